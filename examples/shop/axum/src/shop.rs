//! The shop's implementation in Rust: the functions of examples/shop that
//! the Rust client's live tests call (tests/rust/test_rust_client_live.py),
//! on in-memory data that mirrors examples/shop/server/shop_impl.py, so a
//! client sees the same values from this server and the FastAPI one. The
//! other functions answer `internal`, as `mizan-lang scaffold` wrote them.
#![allow(clippy::too_many_arguments)]

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use shop_axum::Currency;
use shop_axum::{
    Address, AuthorName, Banner, Caller, Cart, CartLine, CategoryLink, CategoryPage,
    CustomerProfile, Date, DateTime, Decimal, Identity, ImageRef, Int64, Json, MizanError, Money,
    OrderDetail, OrderEvent, OrderItemRow, OrderRow, OrderStatus, PaymentMethod, ProductCard,
    ProductDetail, ProductImageView, RatingSummary, ReviewView, SalesStats, SearchResults, Service,
    SortOrder, StockLevel, StockStatus, Upload, Uuid,
};

/// When the sample data was made (shop_impl.NOW).
const NOW: (i64, u32) = (1_768_469_400, 0); // 2026-01-15T09:30:00Z
const LOW_STOCK: i32 = 5;

struct Product {
    id: i64,
    slug: &'static str,
    name: String,
    description: String,
    price: String,
    stock: i32,
    category: i64,
}

struct Customer {
    id: i64,
    email: String,
    display_name: String,
    avatar_url: Option<String>,
    website: Option<String>,
    marketing_opt_in: bool,
    password: &'static str,
    is_staff: bool,
    role: &'static str,
}

struct Order {
    id: i64,
    customer_id: i64,
    placed_at: DateTime,
    total: String,
    address_id: i64,
    payment_method: PaymentMethod,
    /// (item id, quantity, unit price, product id)
    items: Vec<(i64, i32, String, i64)>,
    timeline: Vec<OrderEvent>,
}

struct State {
    products: Vec<Product>,
    customers: Vec<Customer>,
    /// (customer id, address)
    addresses: Vec<(i64, Address)>,
    carts: BTreeMap<String, BTreeMap<i64, i32>>,
    orders: Vec<Order>,
    next_item: i64,
}

const CATEGORIES: [(i64, &str, &str, Option<i64>); 3] = [
    (1, "kitchen", "Kitchen", None),
    (2, "garden", "Garden", None),
    (3, "knives", "Knives", Some(1)),
];

pub struct Shop {
    state: Mutex<State>,
}

impl Default for Shop {
    fn default() -> Shop {
        let product = |id, slug, name: &str, text: &str, price: &str, stock, category| Product {
            id,
            slug,
            name: name.to_string(),
            description: text.to_string(),
            price: price.to_string(),
            stock,
            category,
        };
        let products = vec![
            product(
                1,
                "chef-knife",
                "Chef's knife",
                "A 20 cm forged steel blade.",
                "89.90",
                3,
                3,
            ),
            product(
                2,
                "cutting-board",
                "Oak cutting board",
                "End-grain oak, oiled.",
                "45.00",
                12,
                1,
            ),
            product(
                3,
                "espresso-pot",
                "Espresso pot",
                "Six cups, aluminium.",
                "32.50",
                40,
                1,
            ),
            product(
                4,
                "watering-can",
                "Watering can",
                "Ten litres, galvanised.",
                "27.00",
                0,
                2,
            ),
            product(
                5,
                "pruning-shears",
                "Pruning shears",
                "Bypass blades for green wood.",
                "24.90",
                8,
                2,
            ),
        ];
        let customers = vec![
            Customer {
                id: 1,
                email: "ada@example.com".into(),
                display_name: "Ada".into(),
                avatar_url: None,
                website: Some("https://ada.example".into()),
                marketing_opt_in: true,
                password: "pw-ada",
                is_staff: false,
                role: "customer",
            },
            Customer {
                id: 2,
                email: "grace@example.com".into(),
                display_name: "Grace".into(),
                avatar_url: None,
                website: None,
                marketing_opt_in: false,
                password: "pw-grace",
                is_staff: true,
                role: "admin",
            },
        ];
        let address = Address {
            id: Int64(1),
            recipient: "Ada Lovelace".into(),
            line1: "12 Rue des Lilas".into(),
            line2: None,
            postal_code: "75011".into(),
            city: "Paris".into(),
            country: "FR".into(),
        };
        Shop {
            state: Mutex::new(State {
                products,
                customers,
                addresses: vec![(1, address)],
                carts: BTreeMap::new(),
                orders: Vec::new(),
                next_item: 1,
            }),
        }
    }
}

fn not_found(what: &str, id: i64) -> MizanError {
    MizanError::not_found(Json::object([(what, Json::str(id.to_string()))]))
}

fn cents(price: &str) -> i64 {
    let (whole, fraction) = price.split_once('.').unwrap_or((price, ""));
    let fraction = format!("{fraction:0<2}");
    whole.parse::<i64>().unwrap_or(0) * 100 + fraction[..2].parse::<i64>().unwrap_or(0)
}

fn amount(cents: i64) -> Decimal {
    Decimal(format!("{}.{:02}", cents / 100, cents % 100))
}

fn money(amount: Decimal) -> Money {
    Money {
        amount,
        currency: Currency::EUR,
    }
}

fn now() -> DateTime {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    DateTime::from_unix(
        i64::try_from(elapsed.as_secs()).unwrap_or(0),
        elapsed.subsec_micros(),
    )
}

/// A customer's data is theirs (and staff's) only.
fn own(caller: &Caller, customer_id: Int64) -> Result<(), MizanError> {
    let staff = caller
        .claims()
        .and_then(|c| c.get("is_staff"))
        .and_then(Json::as_bool)
        .unwrap_or(false);
    if caller.subject() != Some(customer_id.0.to_string().as_str()) && !staff {
        return Err(MizanError::forbidden());
    }
    Ok(())
}

impl State {
    fn product(&self, id: i64) -> Result<&Product, MizanError> {
        self.products
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| not_found("product", id))
    }

    fn link(&self, id: i64) -> Result<CategoryLink, MizanError> {
        let (id, slug, name, _) = CATEGORIES
            .iter()
            .find(|c| c.0 == id)
            .ok_or_else(|| not_found("category", id))?;
        Ok(CategoryLink {
            id: Int64(*id),
            slug: slug.to_string(),
            name: name.to_string(),
        })
    }

    fn card(&self, product: &Product) -> Result<ProductCard, MizanError> {
        Ok(ProductCard {
            id: Int64(product.id),
            slug: product.slug.to_string(),
            name: product.name.clone(),
            price: Decimal(product.price.clone()),
            currency: "EUR".into(),
            category: Some(self.link(product.category)?),
            images: vec![ProductImageView {
                url: format!("https://img.example/{}.jpg", product.slug),
                width: 800,
                height: 600,
                alt: Some(product.name.clone()),
            }],
        })
    }

    fn cart(&self, cart_id: &Uuid) -> Result<Cart, MizanError> {
        let mut lines = Vec::new();
        let mut subtotal = 0;
        for (product_id, quantity) in self.carts.get(&cart_id.0).into_iter().flatten() {
            let product = self.product(*product_id)?;
            let line = cents(&product.price) * i64::from(*quantity);
            subtotal += line;
            lines.push(CartLine {
                product: self.card(product)?,
                quantity: *quantity,
                unit_price: money(Decimal(product.price.clone())),
                line_total: money(amount(line)),
            });
        }
        Ok(Cart {
            id: cart_id.clone(),
            item_count: lines.iter().map(|l| l.quantity).sum(),
            lines,
            subtotal: money(amount(subtotal)),
        })
    }

    fn addresses(&self, customer_id: i64) -> Vec<Address> {
        self.addresses
            .iter()
            .filter(|(owner, _)| *owner == customer_id)
            .map(|(_, a)| a.clone())
            .collect()
    }

    fn profile(&self, customer_id: i64) -> Result<CustomerProfile, MizanError> {
        let c = self
            .customers
            .iter()
            .find(|c| c.id == customer_id)
            .ok_or_else(|| not_found("customer", customer_id))?;
        Ok(CustomerProfile {
            id: Int64(c.id),
            email: c.email.clone(),
            display_name: c.display_name.clone(),
            avatar: c.avatar_url.as_ref().map(|url| ImageRef {
                url: url.clone(),
                width: 256,
                height: 256,
                alt: Some(c.display_name.clone()),
            }),
            website: c.website.clone(),
            marketing_opt_in: c.marketing_opt_in,
            addresses: self.addresses(customer_id),
        })
    }

    fn detail(&self, order: &Order) -> Result<OrderDetail, MizanError> {
        let items = order
            .items
            .iter()
            .map(|(id, quantity, price, product)| {
                Ok(OrderItemRow {
                    id: Int64(*id),
                    quantity: *quantity,
                    unit_price: Decimal(price.clone()),
                    product: Some(self.card(self.product(*product)?)?),
                })
            })
            .collect::<Result<Vec<_>, MizanError>>()?;
        let address = self
            .addresses(order.customer_id)
            .into_iter()
            .find(|a| a.id.0 == order.address_id)
            .ok_or_else(|| not_found("address", order.address_id))?;
        Ok(OrderDetail {
            order: OrderRow {
                id: Int64(order.id),
                status: "pending".into(),
                placed_at: order.placed_at.clone(),
                total: Decimal(order.total.clone()),
                currency: "EUR".into(),
                items,
            },
            shipping_address: address,
            payment_method: order.payment_method,
            tracking_url: None,
            timeline: order.timeline.clone(),
        })
    }

    fn rating(&self, product_id: i64) -> RatingSummary {
        let ratings: Vec<i32> = if product_id == 1 {
            vec![5, 4]
        } else {
            Vec::new()
        };
        let histogram = (1..=5)
            .map(|stars| {
                (
                    stars.to_string(),
                    ratings.iter().filter(|r| **r == stars).count() as i32,
                )
            })
            .collect();
        let average = (!ratings.is_empty()).then(|| {
            let mean = f64::from(ratings.iter().sum::<i32>()) / ratings.len() as f64;
            (mean * 100.0).round() / 100.0
        });
        RatingSummary {
            average,
            count: ratings.len() as i32,
            histogram,
        }
    }
}

impl Shop {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn identity(c: &Customer) -> Identity {
    Identity::new(
        c.id.to_string(),
        vec![
            ("is_staff".to_string(), Json::Bool(c.is_staff)),
            ("role".to_string(), Json::str(c.role)),
        ],
    )
}

impl Service for Shop {
    async fn add_address(
        &self,
        _caller: Caller,
        _customer_id: Int64,
        _recipient: String,
        _line1: String,
        _line2: Option<String>,
        _postal_code: String,
        _city: String,
        _country: String,
    ) -> Result<Address, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn add_to_cart(
        &self,
        _caller: Caller,
        cart_id: Uuid,
        product_id: Int64,
        quantity: i32,
    ) -> Result<Cart, MizanError> {
        let mut state = self.state();
        state.product(product_id.0)?;
        if quantity < 1 {
            let details = Json::object([("quantity", Json::str("at least 1"))]);
            return Err(MizanError::new("invalid_arguments", details));
        }
        *state
            .carts
            .entry(cart_id.0.clone())
            .or_default()
            .entry(product_id.0)
            .or_default() += quantity;
        state.cart(&cart_id)
    }

    async fn adjust_stock(
        &self,
        _caller: Caller,
        _warehouse_id: Int64,
        _product_id: Int64,
        _delta: i32,
        _reason: Option<String>,
    ) -> Result<StockLevel, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn banners(&self, _caller: Caller) -> Result<Vec<Banner>, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn cancel_order(
        &self,
        _caller: Caller,
        _customer_id: Int64,
        _order_id: Int64,
        _reason: Option<String>,
    ) -> Result<OrderDetail, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn cart_contents(&self, _caller: Caller, cart_id: Uuid) -> Result<Cart, MizanError> {
        self.state().cart(&cart_id)
    }

    async fn cart_count(&self, _caller: Caller, cart_id: Uuid) -> Result<i32, MizanError> {
        Ok(self
            .state()
            .carts
            .get(&cart_id.0)
            .map_or(0, |lines| lines.values().sum()))
    }

    async fn category_page(
        &self,
        _caller: Caller,
        _category_id: Int64,
    ) -> Result<CategoryPage, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn category_products(
        &self,
        _caller: Caller,
        _category_id: Int64,
    ) -> Result<Vec<ProductCard>, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn checkout(
        &self,
        caller: Caller,
        cart_id: Uuid,
        customer_id: Int64,
        shipping_address_id: Int64,
        payment_method: PaymentMethod,
        _gift_wrap: bool,
        _delivery_date: Option<Date>,
        notes: Option<String>,
    ) -> Result<OrderDetail, MizanError> {
        own(&caller, customer_id)?;
        let mut state = self.state();
        let cart = state.cart(&cart_id)?;
        if cart.lines.is_empty() {
            let details = Json::object([("cart_id", Json::str("the cart is empty"))]);
            return Err(MizanError::new("invalid_arguments", details));
        }
        if !state
            .addresses(customer_id.0)
            .iter()
            .any(|a| a.id == shipping_address_id)
        {
            return Err(not_found("address", shipping_address_id.0));
        }
        let placed_at = now();
        let mut items = Vec::new();
        for line in &cart.lines {
            items.push((
                state.next_item,
                line.quantity,
                line.unit_price.amount.0.clone(),
                line.product.id.0,
            ));
            state.next_item += 1;
        }
        let order = Order {
            id: state.orders.len() as i64 + 1,
            customer_id: customer_id.0,
            placed_at: placed_at.clone(),
            total: cart.subtotal.amount.0.clone(),
            address_id: shipping_address_id.0,
            payment_method,
            items,
            timeline: vec![OrderEvent {
                at: placed_at,
                status: OrderStatus::Pending,
                note: notes,
            }],
        };
        let detail = state.detail(&order)?;
        state.orders.push(order);
        state.carts.remove(&cart_id.0);
        Ok(detail)
    }

    async fn customer_addresses(
        &self,
        caller: Caller,
        customer_id: Int64,
    ) -> Result<Vec<Address>, MizanError> {
        own(&caller, customer_id)?;
        Ok(self.state().addresses(customer_id.0))
    }

    async fn customer_profile(
        &self,
        caller: Caller,
        customer_id: Int64,
    ) -> Result<CustomerProfile, MizanError> {
        own(&caller, customer_id)?;
        self.state().profile(customer_id.0)
    }

    async fn featured_products(&self, _caller: Caller) -> Result<Vec<ProductCard>, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn health(&self, _caller: Caller) -> Result<String, MizanError> {
        Ok("ok".to_string())
    }

    async fn low_stock_report(&self, _caller: Caller) -> Result<Vec<StockLevel>, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn moderate_review(
        &self,
        _caller: Caller,
        _review_id: Int64,
        _approved: bool,
    ) -> Result<(), MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn navigation(&self, _caller: Caller) -> Result<Vec<CategoryLink>, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn order_detail(
        &self,
        caller: Caller,
        customer_id: Int64,
        order_id: Int64,
    ) -> Result<OrderDetail, MizanError> {
        own(&caller, customer_id)?;
        let state = self.state();
        let order = state
            .orders
            .iter()
            .find(|o| o.id == order_id.0 && o.customer_id == customer_id.0)
            .ok_or_else(|| not_found("order", order_id.0))?;
        state.detail(order)
    }

    async fn order_history(
        &self,
        caller: Caller,
        customer_id: Int64,
    ) -> Result<Vec<OrderRow>, MizanError> {
        own(&caller, customer_id)?;
        let state = self.state();
        let mut rows = Vec::new();
        for order in state.orders.iter().rev() {
            if order.customer_id == customer_id.0 {
                rows.push(state.detail(order)?.order);
            }
        }
        Ok(rows)
    }

    async fn pending_orders(&self, _caller: Caller) -> Result<Vec<OrderRow>, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn post_review(
        &self,
        _caller: Caller,
        _product_id: Int64,
        _customer_id: Int64,
        _rating: i32,
        _title: String,
        _body: String,
    ) -> Result<ReviewView, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn product_detail(
        &self,
        _caller: Caller,
        product_id: Int64,
    ) -> Result<ProductDetail, MizanError> {
        let state = self.state();
        let product = state.product(product_id.0)?;
        let card = state.card(product)?;
        let summary = state.rating(product_id.0);
        let stock = if product.stock <= 0 {
            StockStatus::OutOfStock
        } else if product.stock < LOW_STOCK {
            StockStatus::LowStock
        } else {
            StockStatus::InStock
        };
        Ok(ProductDetail {
            images: card
                .images
                .iter()
                .map(|i| ImageRef {
                    url: i.url.clone(),
                    width: i.width,
                    height: i.height,
                    alt: i.alt.clone(),
                })
                .collect(),
            card,
            description: product.description.clone(),
            attributes: BTreeMap::from([("currency".to_string(), "EUR".to_string())]),
            stock,
            rating: summary.average,
            review_count: summary.count,
        })
    }

    async fn product_reviews(
        &self,
        _caller: Caller,
        product_id: Int64,
    ) -> Result<Vec<ReviewView>, MizanError> {
        if product_id.0 != 1 {
            return Ok(Vec::new());
        }
        let review = |id, rating, title: &str, body: &str| ReviewView {
            id: Int64(id),
            rating,
            title: title.to_string(),
            body: body.to_string(),
            created_at: DateTime::from_unix(NOW.0, NOW.1),
            author: Some(AuthorName {
                id: Int64(1),
                display_name: "Ada".into(),
            }),
        };
        Ok(vec![
            review(
                1,
                5,
                "Sharp for years",
                "Still the sharpest knife in the drawer.",
            ),
            review(
                2,
                4,
                "Heavy but good",
                "A little heavy for small hands, otherwise perfect.",
            ),
        ])
    }

    async fn publish_price_list(
        &self,
        _caller: Caller,
        price_list_id: Int64,
        _effective_at: Option<DateTime>,
    ) -> Result<i32, MizanError> {
        if price_list_id.0 != 1 {
            return Err(not_found("price_list", price_list_id.0));
        }
        Ok(self.state().products.len() as i32)
    }

    async fn rating_summary(
        &self,
        _caller: Caller,
        product_id: Int64,
    ) -> Result<RatingSummary, MizanError> {
        Ok(self.state().rating(product_id.0))
    }

    async fn receive_shipment(
        &self,
        _caller: Caller,
        _warehouse_id: Int64,
        _reference: String,
    ) -> Result<(), MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn refund_order(
        &self,
        _caller: Caller,
        _order_id: Int64,
        _amount: Decimal,
        _note: Option<String>,
    ) -> Result<OrderDetail, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn reindex_search(&self, _caller: Caller) -> Result<i32, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn related_products(
        &self,
        _caller: Caller,
        product_id: Int64,
    ) -> Result<Vec<ProductCard>, MizanError> {
        let state = self.state();
        let category = state.product(product_id.0)?.category;
        state
            .products
            .iter()
            .filter(|p| p.category == category && p.id != product_id.0)
            .map(|p| state.card(p))
            .collect()
    }

    async fn remove_address(
        &self,
        _caller: Caller,
        _customer_id: Int64,
        _address_id: Int64,
    ) -> Result<(), MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn remove_from_cart(
        &self,
        _caller: Caller,
        _cart_id: Uuid,
        _product_id: Int64,
    ) -> Result<Cart, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn sales_dashboard(&self, _caller: Caller) -> Result<SalesStats, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn search_products(
        &self,
        _caller: Caller,
        _query: String,
        _category_id: Option<Int64>,
        _sort: SortOrder,
        _page: i32,
        _page_size: i32,
    ) -> Result<SearchResults, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn set_featured_products(
        &self,
        _caller: Caller,
        _product_ids: Vec<Int64>,
    ) -> Result<(), MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn ship_order(
        &self,
        _caller: Caller,
        _order_id: Int64,
        _buyer_id: Int64,
        _carrier: String,
        _tracking_number: String,
    ) -> Result<OrderDetail, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn shipping_quote(
        &self,
        _caller: Caller,
        _cart_id: Uuid,
        _country: String,
        _postal_code: String,
    ) -> Result<Money, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn stock_level(
        &self,
        _caller: Caller,
        _warehouse_id: Int64,
        _product_id: Int64,
    ) -> Result<StockLevel, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn subscribe_newsletter(
        &self,
        _caller: Caller,
        _email: String,
        _locale: String,
    ) -> Result<(), MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn suggest_products(
        &self,
        _caller: Caller,
        prefix: String,
        limit: i32,
    ) -> Result<Vec<String>, MizanError> {
        let lowered = prefix.to_lowercase();
        let mut names: Vec<String> = self
            .state()
            .products
            .iter()
            .filter(|p| p.name.to_lowercase().starts_with(&lowered))
            .map(|p| p.name.clone())
            .collect();
        names.sort();
        names.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(names)
    }

    async fn update_cart_line(
        &self,
        _caller: Caller,
        cart_id: Uuid,
        product_id: Int64,
        quantity: i32,
    ) -> Result<Cart, MizanError> {
        let mut state = self.state();
        if quantity > 0 {
            state.product(product_id.0)?;
        }
        let lines = state.carts.entry(cart_id.0.clone()).or_default();
        if quantity <= 0 {
            lines.remove(&product_id.0);
        } else {
            lines.insert(product_id.0, quantity);
        }
        state.cart(&cart_id)
    }

    async fn update_product(
        &self,
        _caller: Caller,
        product_id: Int64,
        category_id: Int64,
        name: String,
        description: String,
        price: Decimal,
    ) -> Result<ProductCard, MizanError> {
        let mut state = self.state();
        state.product(product_id.0)?;
        state.link(category_id.0)?;
        if let Some(product) = state.products.iter_mut().find(|p| p.id == product_id.0) {
            product.category = category_id.0;
            product.name = name;
            product.description = description;
            product.price = price.0;
        }
        state.card(state.product(product_id.0)?)
    }

    async fn update_profile(
        &self,
        caller: Caller,
        customer_id: Int64,
        display_name: String,
        email: String,
        website: Option<String>,
        marketing_opt_in: bool,
    ) -> Result<CustomerProfile, MizanError> {
        own(&caller, customer_id)?;
        let mut state = self.state();
        if let Some(c) = state.customers.iter_mut().find(|c| c.id == customer_id.0) {
            c.display_name = display_name;
            c.email = email;
            c.website = website;
            c.marketing_opt_in = marketing_opt_in;
        }
        state.profile(customer_id.0)
    }

    async fn upload_avatar(
        &self,
        caller: Caller,
        customer_id: Int64,
        avatar: Upload,
    ) -> Result<ImageRef, MizanError> {
        own(&caller, customer_id)?;
        let url = format!(
            "https://img.example/avatars/{}-{}",
            customer_id.0,
            avatar.data.len()
        );
        let mut state = self.state();
        if let Some(c) = state.customers.iter_mut().find(|c| c.id == customer_id.0) {
            c.avatar_url = Some(url.clone());
        }
        Ok(ImageRef {
            url,
            width: 256,
            height: 256,
            alt: None,
        })
    }

    async fn upload_product_image(
        &self,
        _caller: Caller,
        _product_id: Int64,
        _image: Upload,
        _alt: Option<String>,
    ) -> Result<ImageRef, MizanError> {
        Err(MizanError::new("internal", Json::Null))
    }

    async fn authenticate(&self, credentials: Json) -> Result<Option<Identity>, MizanError> {
        let text = |name| {
            credentials
                .get(name)
                .and_then(Json::as_str)
                .map(str::to_string)
        };
        let (email, password) = (text("email"), text("password"));
        Ok(self
            .state()
            .customers
            .iter()
            .find(|c| Some(&c.email) == email.as_ref() && Some(c.password) == password.as_deref())
            .map(identity))
    }

    async fn identity_of(&self, subject: String) -> Result<Option<Identity>, MizanError> {
        let id = subject.parse::<i64>().ok();
        Ok(self
            .state()
            .customers
            .iter()
            .find(|c| Some(c.id) == id)
            .map(identity))
    }
}
