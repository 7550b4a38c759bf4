"""Code generators, one folder per target.

Packaged as `mizan_lang.generators` (a source checkout imports this folder
under that name too). Each target folder holds its view model (Python) and
its Jinja2 templates; `mizan_lang.gen.targets` lists the targets.
"""
