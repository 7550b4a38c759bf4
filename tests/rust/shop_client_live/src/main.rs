//! `shop-client-live BASE_URL JWT_SECRET`: drives the generated shop client
//! against a live shop server and checks what comes back: every wire type
//! both ways, coded errors as typed errors, the context cache and the
//! invalidation tiers, forms, auth (login, bearer, refresh, 401, 403),
//! uploads and the WebSocket transport. Prints `ok <check>` per check; the first
//! failure ends the run with exit status 1.

use std::process::ExitCode;

use mizan_runtime::auth::{encode_token, token_claims, JwtKeys, JwtSettings};
use mizan_runtime::client::Args;
use shop_rust_client::{
    ApiClient, ClientError, Currency, Date, DateTime, Decimal, ErrorCode, Int64, Json, OrderStatus,
    PaymentMethod, ProfileForm, StockStatus, Tokens, Transport, UploadFile, Uuid,
};

type Outcome = Result<(), String>;

macro_rules! check {
    ($cond:expr, $($what:tt)+) => {
        if !$cond {
            return Err(format!($($what)+));
        }
    };
}

fn ok(name: &str) {
    println!("ok {name}");
}

/// The error of a call that must fail.
fn failed<T: std::fmt::Debug>(result: Result<T, ClientError>) -> Result<ClientError, String> {
    match result {
        Ok(value) => Err(format!("expected an error, got {value:?}")),
        Err(error) => Ok(error),
    }
}

fn expect_api(error: &ClientError, code: ErrorCode, status: u16) -> Outcome {
    match error {
        ClientError::Api {
            code: c, status: s, ..
        } if *c == code && *s == status => Ok(()),
        other => Err(format!("expected {} {status}, got {other}", code.as_str())),
    }
}

fn keys(name: &str, value: i64) -> Args {
    let mut args = Args::new();
    args.put(name, &Int64(value)).ok();
    args
}

fn e<T: std::fmt::Display>(error: T) -> String {
    error.to_string()
}

const CART: &str = "6f9619ff-8b86-d011-b42d-00cf4fc964ff";
const OTHER_CART: &str = "0b1e5a9c-3f44-4c1e-9d53-2a7c7d1e8f00";

async fn catalog(client: &ApiClient) -> Outcome {
    check!(client.health().await.map_err(e)? == "ok", "health");
    ok("health: str result");

    let bundle = client.product_bundle(Int64(1)).await.map_err(e)?;
    let detail = bundle.product_detail.ok_or("no product_detail")?;
    check!(detail.card.id == Int64(1), "int64 id {:?}", detail.card.id);
    check!(
        detail.card.price == Decimal::new("89.90"),
        "decimal price {:?}",
        detail.card.price
    );
    check!(
        detail.card.category.as_ref().map(|c| c.slug.as_str()) == Some("knives"),
        "shape"
    );
    check!(
        detail.stock == StockStatus::LowStock,
        "enum {:?}",
        detail.stock
    );
    check!(detail.rating == Some(4.5), "float {:?}", detail.rating);
    check!(
        detail.attributes.get("currency").map(String::as_str) == Some("EUR"),
        "map"
    );
    check!(
        detail.review_count == 2 && detail.images.len() == 1,
        "int and list"
    );
    check!(
        bundle.related_products == Some(Vec::new()),
        "related {:?}",
        bundle.related_products
    );
    ok("wire types in: int64, decimal, enum, float, map, list, record, shape");

    let requests = client.runtime().bundle_requests();
    let again = client.product_bundle(Int64(1)).await.map_err(e)?;
    check!(
        again.product_detail == Some(detail),
        "the cached bundle differs"
    );
    check!(
        client.runtime().bundle_requests() == requests,
        "a cached bundle was fetched again"
    );
    let before = client.runtime().bundle_requests();
    let (a, b, c) = tokio::join!(
        client.product_bundle(Int64(4)),
        client.product_bundle(Int64(4)),
        client.product_bundle(Int64(4)),
    );
    check!(
        a.is_ok() && b.is_ok() && c.is_ok(),
        "concurrent reads failed"
    );
    let sent = client.runtime().bundle_requests() - before;
    check!(sent == 1, "three concurrent reads sent {sent} requests");
    ok("context bundle: one request, then from the cache; concurrent reads share it");

    let reviews = client.reviews_bundle(Int64(1)).await.map_err(e)?;
    let list = reviews.product_reviews.ok_or("no product_reviews")?;
    check!(list.len() == 2, "reviews {}", list.len());
    check!(
        list[0].created_at == DateTime::new("2026-01-15T09:30:00.000000Z"),
        "datetime {:?}",
        list[0].created_at
    );
    let summary = reviews.rating_summary.ok_or("no rating_summary")?;
    check!(
        summary.histogram.get("5") == Some(&1) && summary.histogram.get("1") == Some(&0),
        "histogram {:?}",
        summary.histogram
    );
    ok("wire types in: datetime, map<str,int>");

    let missing = failed(client.product_bundle(Int64(999)).await)?;
    expect_api(&missing, ErrorCode::NotFound, 404)?;
    let product = Json::object([("product", Json::str("999"))]);
    check!(
        missing.details() == Some(&product),
        "details {:?}",
        missing.details()
    );
    ok("errors: not_found envelope -> ClientError::Api { code: NotFound, status: 404 }");
    Ok(())
}

async fn cart(client: &ApiClient) -> Outcome {
    let cart = Uuid::new(CART);
    let empty = client.cart_bundle(cart.clone()).await.map_err(e)?;
    check!(
        empty.cart_count == Some(0),
        "empty cart {:?}",
        empty.cart_count
    );
    client.cart_bundle(Uuid::new(OTHER_CART)).await.map_err(e)?;
    let added = client
        .add_to_cart(cart.clone(), Int64(1), Some(2))
        .await
        .map_err(e)?;
    check!(added.id == cart, "uuid {:?}", added.id);
    check!(
        added.subtotal.amount == Decimal::new("179.80"),
        "subtotal {:?}",
        added.subtotal
    );
    check!(
        added.subtotal.currency == Currency::EUR && added.item_count == 2,
        "money"
    );
    check!(
        added.lines[0].unit_price.amount == Decimal::new("89.90"),
        "unit price"
    );
    ok("wire types out: uuid, int64, int; in: uuid, decimal, enum, records");

    check!(
        !client.runtime().is_cached("cart", &cart_keys(CART)),
        "the mutated cart is cached"
    );
    check!(
        client.runtime().is_cached("cart", &cart_keys(OTHER_CART)),
        "exact tier dropped another cart"
    );
    let requests = client.runtime().bundle_requests();
    let fresh = client.cart_bundle(cart.clone()).await.map_err(e)?;
    check!(
        fresh.cart_count == Some(2),
        "refetched count {:?}",
        fresh.cart_count
    );
    check!(
        client.runtime().bundle_requests() == requests + 1,
        "the next read did not refetch"
    );
    ok("invalidation, exact tier: the mutated instance refetches, others stay cached");

    let refused = failed(client.add_to_cart(cart, Int64(1), Some(0)).await)?;
    expect_api(&refused, ErrorCode::InvalidArguments, 400)?;
    let wrong_id = failed(
        client
            .add_to_cart(Uuid::new("not-a-uuid"), Int64(1), None)
            .await,
    )?;
    expect_api(&wrong_id, ErrorCode::InvalidArguments, 400)?;
    check!(
        wrong_id.details().and_then(|d| d.get("cart_id")).is_some(),
        "{wrong_id}"
    );
    ok("errors: invalid_arguments (from the implementation and from the argument check)");
    Ok(())
}

async fn forms(client: &ApiClient) -> Outcome {
    let mut form = ProfileForm {
        customer_id: Some(1),
        display_name: Some("A".into()),
        email: Some("ada@example.com".into()),
        ..ProfileForm::default()
    };
    let short = failed(client.validate_profile_form(&form).await)?;
    expect_api(&short, ErrorCode::ValidationFailed, 422)?;
    let code = short
        .details()
        .and_then(|d| d.get("display_name")?.get("code")?.as_str());
    check!(code == Some("min_length"), "{short}");
    let refused = failed(client.submit_profile_form(&form).await)?;
    expect_api(&refused, ErrorCode::ValidationFailed, 422)?;
    client.customer_bundle(Int64(1)).await.map_err(e)?;
    form.display_name = Some("Ada".into());
    form.marketing_opt_in = Some(false);
    let profile = client.submit_profile_form(&form).await.map_err(e)?;
    check!(
        profile.display_name == "Ada" && !profile.marketing_opt_in,
        "{profile:?}"
    );
    check!(
        !client
            .runtime()
            .is_cached("customer", &keys("customer_id", 1)),
        "still cached"
    );
    ok("forms: validation_failed per field; a submit calls the mutation and invalidates");
    Ok(())
}

fn cart_keys(cart: &str) -> Args {
    let mut args = Args::new();
    args.put("cart_id", &Uuid::new(cart)).ok();
    args
}

fn ada() -> Json {
    Json::object([
        ("email", Json::str("ada@example.com")),
        ("password", Json::str("pw-ada")),
    ])
}

fn grace() -> Json {
    Json::object([
        ("email", Json::str("grace@example.com")),
        ("password", Json::str("pw-grace")),
    ])
}

async fn auth(client: &ApiClient, jwt_secret: &str) -> Outcome {
    let anonymous = failed(client.customer_bundle(Int64(1)).await)?;
    expect_api(&anonymous, ErrorCode::Unauthenticated, 401)?;
    check!(
        anonymous.reason() == Some("missing"),
        "reason {:?}",
        anonymous.reason()
    );
    ok("auth: 401 missing without a token");

    let wrong = failed(
        client
            .runtime()
            .login(Json::object([("email", Json::str("x"))]))
            .await,
    )?;
    check!(wrong.reason() == Some("credentials"), "{wrong}");
    let tokens = client.runtime().login(ada()).await.map_err(e)?;
    let bundle = client.customer_bundle(Int64(1)).await.map_err(e)?;
    let profile = bundle.customer_profile.ok_or("no customer_profile")?;
    check!(
        profile.display_name == "Ada" && profile.addresses.len() == 1,
        "{profile:?}"
    );
    check!(
        profile.website.as_deref() == Some("https://ada.example"),
        "nullable str"
    );
    ok("auth: login, then the bearer token opens the user's context");

    let other = failed(client.customer_bundle(Int64(2)).await)?;
    expect_api(&other, ErrorCode::Forbidden, 403)?;
    let staff = failed(client.back_office_bundle().await)?;
    expect_api(&staff, ErrorCode::Forbidden, 403)?;
    let admin = failed(client.publish_price_list(Int64(1), None).await)?;
    expect_api(&admin, ErrorCode::Forbidden, 403)?;
    ok("auth: 403 forbidden (another customer's data, a staff context, an admin function)");

    let updated = client
        .update_profile(
            Int64(1),
            "Ada L.".into(),
            "ada@example.com".into(),
            None,
            Some(true),
        )
        .await
        .map_err(e)?;
    check!(
        updated.display_name == "Ada L." && updated.website.is_none(),
        "{updated:?}"
    );
    check!(
        !client
            .runtime()
            .is_cached("customer", &keys("customer_id", 1)),
        "still cached"
    );
    let again = client.customer_bundle(Int64(1)).await.map_err(e)?;
    let name = again.customer_profile.map(|p| p.display_name);
    check!(name.as_deref() == Some("Ada L."), "refetched {name:?}");
    ok("invalidation: a mutation drops the cached context, the next read refetches");

    let fresh = client.runtime().refresh().await.map_err(e)?;
    check!(fresh != tokens, "refresh returned the same tokens");
    client.customer_bundle(Int64(1)).await.map_err(e)?;
    client.runtime().set_tokens(Some(tokens.clone()));
    let reused = failed(client.runtime().refresh().await)?;
    check!(reused.reason() == Some("reused"), "{reused}");
    check!(
        client.runtime().tokens().is_none(),
        "a refused refresh keeps the tokens"
    );
    ok("auth: refresh rotates the tokens; a spent refresh token is refused (reused)");

    let current = client.runtime().login(ada()).await.map_err(e)?;
    let settings = JwtSettings {
        algorithm: "HS256".into(),
        access_ttl: 900,
        refresh_ttl: 1_209_600,
        issuer: Some("shop.example".into()),
        audience: Some("web".into()),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(e)?
        .as_secs() as i64;
    let extra = vec![
        ("is_staff".to_string(), Json::Bool(false)),
        ("role".to_string(), Json::str("customer")),
    ];
    let claims = token_claims(&settings, "access", "1", now - 3600, &extra, None)
        .map_err(|t| t.0.to_string())?;
    let expired = encode_token(&settings, &JwtKeys::secret(jwt_secret.as_bytes()), &claims)
        .map_err(|t| t.0.to_string())?;
    client.runtime().set_tokens(Some(Tokens {
        access: expired.clone(),
        refresh: current.refresh.clone(),
    }));
    client.customer_bundle(Int64(1)).await.map_err(e)?;
    let now_tokens = client
        .runtime()
        .tokens()
        .ok_or("no tokens after the refresh")?;
    check!(
        now_tokens.access != expired && now_tokens.refresh != current.refresh,
        "not refreshed"
    );
    ok("auth: an expired access token is refreshed and the call goes through");

    let forged = format!("{}x", now_tokens.access.trim_end_matches('x'));
    client.runtime().set_tokens(Some(Tokens {
        access: forged,
        refresh: now_tokens.refresh.clone(),
    }));
    let bad = failed(client.health().await)?;
    expect_api(&bad, ErrorCode::Unauthenticated, 401)?;
    check!(bad.reason() == Some("signature"), "{bad}");
    client.runtime().set_tokens(Some(now_tokens));
    ok("auth: 401 signature for a forged token, even on a public function");

    let image = UploadFile::new("me.png", "image/png", vec![7u8; 300]);
    let avatar = client.upload_avatar(Int64(1), image).await.map_err(e)?;
    check!(
        avatar.url == "https://img.example/avatars/1-300",
        "upload {}",
        avatar.url
    );
    let profile = client
        .customer_bundle(Int64(1))
        .await
        .map_err(e)?
        .customer_profile;
    check!(
        profile.and_then(|p| p.avatar).is_some(),
        "the avatar is not in the refetched profile"
    );
    let text = UploadFile::new("me.txt", "text/plain", b"hello".to_vec());
    let refused = failed(client.upload_avatar(Int64(1), text).await)?;
    expect_api(&refused, ErrorCode::UnsupportedMediaType, 415)?;
    ok("uploads: multipart call; a refused media type is 415");

    let cart = Uuid::new(OTHER_CART);
    client
        .add_to_cart(cart.clone(), Int64(2), None)
        .await
        .map_err(e)?;
    let bad_date = failed(
        client
            .checkout(
                cart.clone(),
                Int64(1),
                Int64(1),
                PaymentMethod::Card,
                None,
                Some(Date::new("2026-02-30")),
                None,
            )
            .await,
    )?;
    expect_api(&bad_date, ErrorCode::InvalidArguments, 400)?;
    check!(
        bad_date
            .details()
            .and_then(|d| d.get("delivery_date"))
            .is_some(),
        "{bad_date}"
    );
    let order = client
        .checkout(
            cart,
            Int64(1),
            Int64(1),
            PaymentMethod::BankTransfer,
            Some(true),
            Some(Date::new("2026-02-01")),
            Some("ring twice".into()),
        )
        .await
        .map_err(e)?;
    check!(
        order.payment_method == PaymentMethod::BankTransfer,
        "{:?}",
        order.payment_method
    );
    check!(
        order.order.total == Decimal::new("45.00"),
        "total {:?}",
        order.order.total
    );
    check!(order.shipping_address.id == Int64(1), "address");
    let event = order.timeline.first().ok_or("no timeline")?;
    check!(
        event.status == OrderStatus::Pending && event.note.as_deref() == Some("ring twice"),
        "{event:?}"
    );
    check!(
        event.at.as_str().len() == 27 && event.at.as_str().ends_with('Z'),
        "{:?}",
        event.at
    );
    ok("wire types out: date, enum, bool, nullable str; in: datetime, enum, records");

    let placed = order.order.id;
    let cached = client.order_bundle(Int64(1), placed).await.map_err(e)?;
    check!(
        cached.order_detail.map(|d| d.order.id) == Some(placed),
        "order bundle"
    );
    let mut instance = keys("customer_id", 1);
    instance.put("order_id", &placed).map_err(e)?;
    check!(
        client.runtime().is_cached("order", &instance),
        "the order bundle is not cached"
    );
    let next = Uuid::new(OTHER_CART);
    client
        .add_to_cart(next.clone(), Int64(3), None)
        .await
        .map_err(e)?;
    client
        .checkout(
            next,
            Int64(1),
            Int64(1),
            PaymentMethod::Card,
            None,
            None,
            None,
        )
        .await
        .map_err(e)?;
    check!(
        !client.runtime().is_cached("order", &instance),
        "partial tier kept the order"
    );
    ok("invalidation, partial tier: an entry binding only customer_id drops that customer's orders");

    client.runtime().logout().await.map_err(e)?;
    check!(client.runtime().tokens().is_none(), "tokens after logout");
    let gone = failed(client.customer_bundle(Int64(1)).await)?;
    expect_api(&gone, ErrorCode::Unauthenticated, 401)?;
    ok("auth: logout forgets the tokens");
    Ok(())
}

async fn staff(client: &ApiClient) -> Outcome {
    client.runtime().login(grace()).await.map_err(e)?;
    client.product_bundle(Int64(2)).await.map_err(e)?;
    client.product_bundle(Int64(3)).await.map_err(e)?;
    let card = client
        .update_product(
            Int64(2),
            Int64(1),
            "Oak board".into(),
            "Oiled.".into(),
            Decimal::new("49.50"),
        )
        .await
        .map_err(e)?;
    check!(
        card.price == Decimal::new("49.50") && card.name == "Oak board",
        "{card:?}"
    );
    check!(
        !client
            .runtime()
            .is_cached("product", &keys("product_id", 2)),
        "product 2 cached"
    );
    check!(
        client
            .runtime()
            .is_cached("product", &keys("product_id", 3)),
        "product 3 dropped"
    );
    let fresh = client.product_bundle(Int64(2)).await.map_err(e)?;
    let price = fresh.product_detail.map(|d| d.card.price);
    check!(
        price == Some(Decimal::new("49.50")),
        "refetched price {price:?}"
    );
    ok("wire types out: decimal; invalidation exact tier per product");

    let at = DateTime::new("2026-03-01T00:00:00.000000Z");
    let changed = client
        .publish_price_list(Int64(1), Some(at))
        .await
        .map_err(e)?;
    check!(changed == 5, "changed {changed}");
    for product in [2, 3] {
        check!(
            !client
                .runtime()
                .is_cached("product", &keys("product_id", product)),
            "global tier kept product {product}"
        );
    }
    ok("wire types out: datetime; invalidation global tier drops every instance");
    client.runtime().logout().await.map_err(e)?;
    Ok(())
}

async fn socket(client: &ApiClient) -> Outcome {
    client.runtime().set_transport(Transport::WebSocket);
    let names = client
        .suggest_products("Ch".into(), None)
        .await
        .map_err(e)?;
    check!(
        names == vec!["Chef's knife".to_string()],
        "suggest {names:?}"
    );
    let cart = Uuid::new(CART);
    client.cart_bundle(cart.clone()).await.map_err(e)?;
    let added = client
        .update_cart_line(cart.clone(), Int64(3), 1)
        .await
        .map_err(e)?;
    check!(added.item_count == 3, "items {}", added.item_count);
    check!(
        !client.runtime().is_cached("cart", &cart_keys(CART)),
        "ws invalidation not applied"
    );
    let missing = failed(client.add_to_cart(cart, Int64(999), None).await)?;
    expect_api(&missing, ErrorCode::NotFound, 404)?;
    check!(
        client.runtime().socket_calls() == 3,
        "socket calls {}",
        client.runtime().socket_calls()
    );
    client.runtime().set_transport(Transport::Http);
    ok("websocket: calls, invalidation and errors over the socket");
    Ok(())
}

async fn run(base: &str, jwt_secret: &str) -> Outcome {
    let client = ApiClient::new(base).map_err(e)?;
    catalog(&client).await?;
    auth(&client, jwt_secret).await?;
    client.runtime().login(ada()).await.map_err(e)?;
    cart(&client).await?;
    forms(&client).await?;
    socket(&client).await?;
    client.runtime().logout().await.map_err(e)?;
    staff(&client).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(base), Some(secret)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: shop-client-live BASE_URL JWT_SECRET");
        return ExitCode::from(2);
    };
    match run(base, secret).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            println!("FAILED {failure}");
            ExitCode::FAILURE
        }
    }
}
