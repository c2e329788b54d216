//! Signing in to `/rest`: API keys (created, listed, revoked through `/v1`), the Subsonic
//! password with token and plain authentication, each failure code of the specification,
//! both formats, GET and form POST, `.view`.

use medley_domain::UserId;
use medley_store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use super::{elements, failed, ok, Sub};
use crate::on_both_backends;

on_both_backends!(
    api_keys_sign_in_until_revoked,
    a_subsonic_password_enables_token_authentication,
);

fn md5_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn api_keys_sign_in_until_revoked(backend: Backend) {
    let Some(s) = Sub::spawn(backend).await else {
        return;
    };
    // The envelope, in JSON and in XML.
    let r = s.json("ping", &[]).await;
    ok(&r);
    let xml = s.xml("ping", &[]).await;
    let root = &elements(&xml, "subsonic-response")[0];
    assert_eq!(root["status"], "ok");
    assert_eq!(root["type"], "medley");
    assert_eq!(root["openSubsonic"], "true");
    assert_eq!(root["version"], "1.16.1");
    assert_eq!(root["xmlns"], "http://subsonic.org/restapi");

    // Keys are listed without their secret; a second one works too.
    let second = super::create_key(&s, &s.admin, "second").await;
    let list = s.get("/v1/me/subsonic/api-keys", Some(&s.admin)).await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", list.body);
    assert!(
        !list.body.to_string().contains(&s.key),
        "a key's secret is listed"
    );
    assert_eq!(items[0]["name"], "test player");
    assert!(
        items[0]["last_used_at"].is_string(),
        "use is noted: {}",
        list.body
    );
    assert!(items[1]["last_used_at"].is_null(), "{}", list.body);
    ok(&s.json_with("ping", &[("apiKey", &second)]).await);

    // Another user can neither see nor revoke them.
    let (_, other_token, other_key) = s.other_user("other").await;
    let theirs = s.get("/v1/me/subsonic/api-keys", Some(&other_token)).await;
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 1);
    let id = items[1]["id"].as_str().unwrap();
    let r = s
        .delete(
            &format!("/v1/me/subsonic/api-keys/{id}"),
            Some(&other_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    ok(&s.json_with("ping", &[("apiKey", &second)]).await);
    // The other user's key signs in as them.
    let r = s.json_with("tokenInfo", &[("apiKey", &other_key)]).await;
    ok(&r);
    assert_eq!(r["tokenInfo"]["username"], "other");

    // Revoked: error 44 from then on.
    let r = s
        .delete(
            &format!("/v1/me/subsonic/api-keys/{id}"),
            Some(&s.admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    failed(&s.json_with("ping", &[("apiKey", &second)]).await, 44);
    failed(
        &s.json_with("ping", &[("apiKey", "medley_sk_made-up")])
            .await,
        44,
    );

    // Bad input to the key API is a 400 that says what to fix.
    let r = s
        .post(
            "/v1/me/subsonic/api-keys",
            Some(&s.admin),
            json!({"name": " "}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body["detail"].as_str().unwrap().contains("name"),
        "{}",
        r.body
    );
    let r = s
        .post("/v1/me/subsonic/api-keys", None, json!({"name": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Missing and conflicting credentials.
    failed(&s.json_with("ping", &[]).await, 10);
    failed(&s.json_with("ping", &[("u", "admin")]).await, 10);
    failed(
        &s.json_with("ping", &[("u", "admin"), ("t", "abc")]).await,
        10,
    );
    failed(
        &s.json_with("ping", &[("apiKey", &s.key), ("u", "admin")])
            .await,
        43,
    );
    failed(
        &s.json_with("ping", &[("apiKey", &s.key), ("p", "x")]).await,
        43,
    );
    failed(
        &s.json_with(
            "ping",
            &[("u", "admin"), ("p", "x"), ("t", "y"), ("s", "z")],
        )
        .await,
        43,
    );
    // Extensions are public, and name the API key extension.
    let r = s.json_with("getOpenSubsonicExtensions", &[]).await;
    ok(&r);
    let names: Vec<&str> = r["openSubsonicExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"apiKeyAuthentication"), "{r}");
    assert!(names.contains(&"formPost"), "{r}");

    // Form POST, `.view`, and failures in XML.
    let res = s
        .http
        .post(format!("{}/rest/getLicense.view", s.base))
        .form(&[("apiKey", s.key.as_str()), ("f", "json"), ("c", "test")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: serde_json::Value = res.json().await.unwrap();
    ok(&v["subsonic-response"]);
    assert_eq!(v["subsonic-response"]["license"]["valid"], true);
    let r = s.raw("ping.view", &[("apiKey", "nope")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let xml = String::from_utf8(r.body).unwrap();
    assert_eq!(elements(&xml, "subsonic-response")[0]["status"], "failed");
    assert_eq!(elements(&xml, "error")[0]["code"], "44");

    // JSONP, when asked for with a callback.
    let r = s
        .raw(
            "ping",
            &[("apiKey", &s.key), ("f", "jsonp"), ("callback", "got")],
        )
        .await;
    let text = String::from_utf8(r.body).unwrap();
    assert!(text.starts_with("got({\"subsonic-response\":"), "{text}");
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
}

async fn a_subsonic_password_enables_token_authentication(backend: Backend) {
    let Some(s) = Sub::spawn(backend).await else {
        return;
    };
    let token = |password: &str, salt: &str| md5_hex(&format!("{password}{salt}"));
    // Without a Subsonic password, token authentication is not available (41), and a plain
    // password is refused (the login password never works here).
    failed(
        &s.json_with(
            "ping",
            &[
                ("u", "admin"),
                ("t", &token("admin-password", "abc")),
                ("s", "abc"),
            ],
        )
        .await,
        41,
    );
    failed(
        &s.json_with("ping", &[("u", "admin"), ("p", "admin-password")])
            .await,
        40,
    );
    let r = s.get("/v1/me/subsonic/password", Some(&s.admin)).await;
    assert_eq!(r.body["set"], false, "{}", r.body);

    // The login password cannot be the Subsonic password.
    let r = s
        .put(
            "/v1/me/subsonic/password",
            Some(&s.admin),
            json!({"password": "admin-password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = s
        .put(
            "/v1/me/subsonic/password",
            Some(&s.admin),
            json!({"password": "short"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = s
        .put(
            "/v1/me/subsonic/password",
            Some(&s.admin),
            json!({"password": "sesame-for-players"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = s.get("/v1/me/subsonic/password", Some(&s.admin)).await;
    assert_eq!(r.body["set"], true, "{}", r.body);

    // Token, plain and hex-encoded passwords.
    let salt = "c19b2d";
    let r = s
        .json_with(
            "tokenInfo",
            &[
                ("u", "admin"),
                ("t", &token("sesame-for-players", salt)),
                ("s", salt),
            ],
        )
        .await;
    ok(&r);
    assert_eq!(r["tokenInfo"]["username"], "admin");
    ok(&s
        .json_with("ping", &[("u", "admin"), ("p", "sesame-for-players")])
        .await);
    let hex: String = "sesame-for-players"
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    ok(&s
        .json_with("ping", &[("u", "admin"), ("p", &format!("enc:{hex}"))])
        .await);

    // Wrong token, wrong password, unknown user: 40.
    failed(
        &s.json_with(
            "ping",
            &[("u", "admin"), ("t", &token("wrong", salt)), ("s", salt)],
        )
        .await,
        40,
    );
    failed(
        &s.json_with("ping", &[("u", "admin"), ("p", "wrong")]).await,
        40,
    );
    failed(
        &s.json_with("ping", &[("u", "nobody"), ("p", "sesame-for-players")])
            .await,
        40,
    );

    // It is stored sealed: the database holds no copy of it in clear.
    let sealed = s
        .store
        .subsonic_password(&UserId::from(s.admin_id.as_str()))
        .await
        .unwrap()
        .expect("stored");
    assert!(!sealed.contains("sesame"), "{sealed}");

    // getUser: oneself, not another user unless administrator.
    let r = s.json("getUser", &[("username", "admin")]).await;
    ok(&r);
    assert_eq!(r["user"]["username"], "admin");
    assert_eq!(r["user"]["adminRole"], true);
    assert_eq!(r["user"]["streamRole"], true);
    let (_, _, other_key) = s.other_user("other").await;
    failed(
        &s.json_with("getUser", &[("apiKey", &other_key), ("username", "admin")])
            .await,
        50,
    );
    failed(&s.json("getUser", &[]).await, 10);

    // Removing it turns token authentication off again.
    let r = s
        .delete("/v1/me/subsonic/password", Some(&s.admin), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    failed(
        &s.json_with(
            "ping",
            &[
                ("u", "admin"),
                ("t", &token("sesame-for-players", salt)),
                ("s", salt),
            ],
        )
        .await,
        41,
    );
}
