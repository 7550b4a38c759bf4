//! `fixture-echo BASE_URL`: the conformance fixture's generated Rust client
//! calls `echo` with a value of every wire type, over HTTP and over the
//! WebSocket, and prints each answer as canonical JSON, one per line
//! (tests/rust/test_rust_client_live.py compares them).

use fixture_client::{
    ApiClient, Bytes, Date, DateTime, Decimal, Int64, Json, Role, Transport, Uuid,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args()
        .nth(1)
        .ok_or("usage: fixture-echo BASE_URL")?;
    let client = ApiClient::new(&base)?;
    let value = Json::object([
        (
            "nested",
            Json::Array(vec![Json::int(1), Json::str("é"), Json::Null]),
        ),
        ("flag", Json::Bool(true)),
    ]);
    for transport in [Transport::Http, Transport::WebSocket] {
        client.runtime().set_transport(transport);
        let answer = client
            .echo(
                value.clone(),
                Some(3),
                Some(Int64(9_007_199_254_740_993)),
                Some(Decimal::new("-12.50")),
                Some(DateTime::new("2024-01-31T12:00:00.250000Z")),
                Some(Date::new("2024-02-29")),
                Some(Uuid::new("6F9619FF-8B86-D011-B42D-00CF4FC964FF")),
                Some(Bytes(vec![0, 1, 2, 255])),
                Some(Role::Admin),
                Some(0.25),
            )
            .await?;
        println!("{}", answer.canonical());
    }
    println!("socket calls {}", client.runtime().socket_calls());
    Ok(())
}
