"""mizan-lang: the authoring toolchain for Mizan API specs."""

__version__ = "0.1.0"
