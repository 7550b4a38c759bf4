//! The WebSocket transport (docs/protocol.md 12): one JSON object per text
//! frame, calls of `websocket=#true` functions answered by their `id`, and
//! an identity from the upgrade's bearer token, then from auth frames.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};

use super::{Answer, Caller, Outcome, RequestParts, Server};
use crate::auth::unix_now;
use crate::errors::MizanError;
use crate::invalidation::to_body;
use crate::json::{parse_json, Json};

/// The largest `id` a client may choose (2^53 - 1).
const MAX_ID: i64 = (1 << 53) - 1;
const CLOSE_TOO_LARGE: u16 = 1009;

impl Server {
    /// `GET ws/`: the upgrade, refused (403) when its `Authorization`
    /// header does not verify.
    pub(super) async fn websocket(
        self: &Arc<Self>,
        request: Request,
        parts: &RequestParts,
    ) -> Outcome {
        let caller = match parts.header("authorization") {
            None => Caller {
                claims: None,
                via_cookie: false,
                transport: "ws",
            },
            Some(_) => match self.identify(parts, "ws") {
                Ok(caller) => caller,
                Err(_) => {
                    let mut answer = Answer::bytes(Vec::new(), "text/plain; charset=utf-8");
                    answer.status = 403;
                    return Ok(answer);
                }
            },
        };
        let (mut head, _) = request.into_parts();
        let Ok(upgrade) = WebSocketUpgrade::from_request_parts(&mut head, &()).await else {
            return Err(MizanError::bad_request("shape"));
        };
        let limit = self.config.max_body_size;
        let server = Arc::clone(self);
        let response = upgrade
            .max_message_size(limit.saturating_add(64 * 1024))
            .max_frame_size(limit.saturating_add(64 * 1024))
            .on_upgrade(move |socket| server.converse(socket, caller));
        let mut answer = Answer::bytes(Vec::new(), "text/plain; charset=utf-8");
        answer.made = Some(response);
        Ok(answer)
    }

    async fn converse(self: Arc<Self>, mut socket: WebSocket, mut caller: Caller) {
        while let Some(message) = socket.recv().await {
            let data = match message {
                Ok(Message::Text(text)) => text.as_bytes().to_vec(),
                Ok(Message::Binary(bytes)) => bytes.to_vec(),
                Ok(Message::Close(_)) => return,
                Ok(_) => continue,
                Err(_) => {
                    let _ = socket.send(too_large()).await;
                    return;
                }
            };
            if data.len() > self.config.max_body_size {
                let _ = socket.send(too_large()).await;
                return;
            }
            let reply = self.frame(&data, &mut caller).await;
            if socket
                .send(Message::Text(reply.canonical().into()))
                .await
                .is_err()
            {
                return;
            }
        }
    }

    /// The answer to one frame.
    async fn frame(&self, data: &[u8], caller: &mut Caller) -> Json {
        let Ok(message) = parse_json(data) else {
            return error_reply(Json::Null, &MizanError::bad_request("json"));
        };
        if message.get("auth").is_some() && message.get("id").is_none() {
            return self.auth_frame(&message, caller);
        }
        let id = match message.get("id") {
            Some(Json::Str(text)) => Json::Str(text.clone()),
            Some(Json::Int(digits))
                if digits
                    .parse::<i64>()
                    .is_ok_and(|n| (0..=MAX_ID).contains(&n)) =>
            {
                Json::Int(digits.clone())
            }
            _ => return error_reply(Json::Null, &MizanError::bad_request("shape")),
        };
        match self.ws_call(&message, caller.clone()).await {
            Ok((result, invalidate)) => {
                Json::object([("id", id), ("result", result), ("invalidate", invalidate)])
            }
            Err(error) => error_reply(id, &error),
        }
    }

    fn auth_frame(&self, message: &Json, caller: &mut Caller) -> Json {
        let token = match message.as_object() {
            Some([(name, Json::Str(token))]) if name == "auth" => token.clone(),
            _ => return error_reply(Json::Null, &MizanError::bad_request("shape")),
        };
        *caller = Caller {
            claims: None,
            via_cookie: false,
            transport: "ws",
        };
        match self.verify(&token, "access") {
            Ok(claims) => {
                caller.claims = Some(Arc::new(claims));
                Json::object([("auth", Json::Bool(true))])
            }
            Err(error) => Json::object([
                ("auth", Json::Bool(false)),
                ("error", error.body()["error"].clone()),
            ]),
        }
    }

    async fn ws_call(&self, message: &Json, caller: Caller) -> Result<(Json, Json), MizanError> {
        let shape = || MizanError::bad_request("shape");
        let members = message.as_object().ok_or_else(shape)?;
        if members
            .iter()
            .any(|(k, _)| k != "id" && k != "fn" && k != "args")
        {
            return Err(shape());
        }
        let name = message.get("fn").and_then(Json::as_str).ok_or_else(shape)?;
        let args = match message.get("args") {
            None => Vec::new(),
            Some(Json::Object(args)) => args.clone(),
            Some(_) => return Err(shape()),
        };
        let not_found = || MizanError::not_found(Json::object([("fn", Json::str(name))]));
        let function = self.functions.get(name).ok_or_else(not_found)?;
        if !function.websocket {
            return Err(not_found());
        }
        if function.multipart {
            return Err(MizanError::unsupported_media_type("application/json"));
        }
        // The token's expiry is checked at every call.
        let expired = caller
            .claims()
            .and_then(|claims| claims["exp"].as_i64())
            .is_some_and(|exp| unix_now() >= exp);
        if expired {
            return Err(MizanError::unauthenticated("expired"));
        }
        let (result, entries) = self
            .call(name, function, args, caller, None, Server::result_tree)
            .await?;
        Ok((result, to_body(&entries)))
    }
}

fn error_reply(id: Json, error: &MizanError) -> Json {
    Json::object([("id", id), ("error", error.body()["error"].clone())])
}

fn too_large() -> Message {
    Message::Close(Some(CloseFrame {
        code: CLOSE_TOO_LARGE,
        reason: "frame too large".into(),
    }))
}
