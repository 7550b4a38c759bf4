"""The shop's FastAPI server: the generated package `shop_api` (from
`mizan-lang gen examples/shop --target fastapi --out shop_api`) serving
shop_impl.ShopService on SQLite with sample data.

    uvicorn app:app            # then GET /api/mizan/ctx/product/?product_id=1

`SHOP_DB` names the database file (default: in memory, fresh sample data at
every start); `MIZAN_SECRET` the signing secret (at least 32 random bytes;
default: a new one per start, so tokens do not survive a restart).
"""

import os
import secrets

from shop_api.fastapi_app import create_app
from shop_impl import ShopService, open_database

secret = os.environ.get("MIZAN_SECRET") or secrets.token_urlsafe(32)
app = create_app(ShopService(open_database(os.environ.get("SHOP_DB", ":memory:"))),
                 secret=secret, title="Mizan shop")
