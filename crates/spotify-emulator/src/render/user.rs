//! User objects: the private profile, playlist owners and `added_by`.

use serde_json::{json, Value};

use super::{external_urls, Links};
use crate::world::User;

pub fn private_user(links: Links, user: &User) -> Value {
    json!({
        "account_id": crate::ids::id_from_name("account", &user.id),
        "country": user.country,
        "display_name": user.display_name,
        "email": user.email,
        "explicit_content": { "filter_enabled": false, "filter_locked": false },
        "external_urls": external_urls("user", &user.id),
        "followers": { "href": null, "total": 0 },
        "href": links.href("user", &user.id),
        "id": user.id,
        "images": user.image_url.iter().map(|url| json!({"url": url, "height": 300, "width": 300})).collect::<Vec<_>>(),
        "product": user.product,
        "type": "user",
        "uri": format!("spotify:user:{}", user.id),
    })
}

/// PlaylistUserObject: `added_by` of playlist items.
pub fn playlist_user(links: Links, id: &str) -> Value {
    json!({
        "external_urls": external_urls("user", id),
        "href": links.href("user", id),
        "id": id,
        "type": "user",
        "uri": format!("spotify:user:{id}"),
    })
}

/// PlaylistOwnerObject.
pub fn owner(links: Links, id: &str, display_name: Option<&str>) -> Value {
    let mut v = playlist_user(links, id);
    v["display_name"] = json!(display_name);
    v
}
