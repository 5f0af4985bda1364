//! The admin API: policies, reference values, trust anchors, collateral and resources.
//! Every handler first checks the admin bearer token; nothing is read or
//! written without it.

use crate::api::Shared;
use crate::auth::require_admin;
use crate::error::{ApiError, ErrorBody};
use crate::ids::{checked_id, checked_path};
use crate::store::{StoredAnchor, StoredResource};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use secgear_attest::collateral::{CollateralItem, CollateralKind};
use secgear_attest::reference::{ReferenceValue, normalize};
use secgear_attest::{ReferenceValues, TeeKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

fn admin(state: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    require_admin(headers, state.0.config.admin_token_sha256.as_deref())
}

async fn reload(state: &Shared) -> Result<(), ApiError> {
    Ok(state.0.refresh().await?)
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// Rego source in `package secgear.appraisal` producing `trust_vector`.
    pub rego: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyInfo {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rego: Option<String>,
}

#[utoipa::path(get, path = "/v1/policies", security(("admin" = [])),
    responses((status = 200, body = [PolicyInfo]), (status = 401, body = ErrorBody)))]
pub async fn list_policies(
    state: Shared,
    headers: HeaderMap,
) -> Result<Json<Vec<PolicyInfo>>, ApiError> {
    admin(&state, &headers)?;
    reload(&state).await?;
    let ids = state.0.appraiser.policies.ids();
    Ok(Json(
        ids.into_iter()
            .map(|id| PolicyInfo { id, rego: None })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/v1/policies/{id}", security(("admin" = [])),
    responses((status = 200, body = PolicyInfo), (status = 404, body = ErrorBody)))]
pub async fn get_policy(
    state: Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<PolicyInfo>, ApiError> {
    admin(&state, &headers)?;
    checked_id(&id)?;
    reload(&state).await?;
    let rego = state
        .0
        .appraiser
        .policies
        .source(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no policy {id}")))?;
    Ok(Json(PolicyInfo {
        id,
        rego: Some(rego),
    }))
}

/// Compiles and stores a policy; one that does not compile is refused with Rego's error.
#[utoipa::path(put, path = "/v1/policies/{id}", request_body = PolicyBody, security(("admin" = [])),
    responses((status = 200, body = PolicyInfo), (status = 400, body = ErrorBody)))]
pub async fn put_policy(
    state: Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<PolicyBody>, JsonRejection>,
) -> Result<Json<PolicyInfo>, ApiError> {
    admin(&state, &headers)?;
    checked_id(&id)?;
    let Json(body) = body?;
    secgear_attest::policy::PolicyStore::check(&id, &body.rego)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    state.0.store.put_policy(&id, &body.rego).await?;
    reload(&state).await?;
    Ok(Json(PolicyInfo { id, rego: None }))
}

#[utoipa::path(delete, path = "/v1/policies/{id}", security(("admin" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_policy(
    state: Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin(&state, &headers)?;
    checked_id(&id)?;
    if !state.0.store.delete_policy(&id).await? {
        return Err(ApiError::NotFound(format!("no stored policy {id}")));
    }
    reload(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceBody {
    /// `[{name, value, not_before?, not_after?, note?}]`
    #[schema(value_type = Vec<Object>)]
    pub reference_values: Vec<Value>,
}

#[utoipa::path(get, path = "/v1/reference-values", security(("admin" = [])),
    responses((status = 200, body = ReferenceBody)))]
pub async fn list_references(state: Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    admin(&state, &headers)?;
    let entries = state.0.store.list_references().await?;
    let values: Vec<Value> = entries
        .iter()
        .filter_map(|e| serde_json::from_str(e).ok())
        .collect();
    Ok(Json(json!({ "reference_values": values })))
}

/// Adds reference values (all or none: every entry is checked first).
#[utoipa::path(post, path = "/v1/reference-values", request_body = ReferenceBody,
    security(("admin" = [])), responses((status = 201), (status = 400, body = ErrorBody)))]
pub async fn add_references(
    state: Shared,
    headers: HeaderMap,
    body: Result<Json<ReferenceBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    admin(&state, &headers)?;
    let Json(body) = body?;
    if body.reference_values.is_empty() || body.reference_values.len() > 1000 {
        return Err(ApiError::BadRequest(
            "send 1..=1000 reference values".into(),
        ));
    }
    let mut checked = Vec::with_capacity(body.reference_values.len());
    let mut scratch = ReferenceValues::new();
    for value in body.reference_values {
        let rv: ReferenceValue = serde_json::from_value(value)
            .map_err(|e| ApiError::BadRequest(format!("reference value: {e}")))?;
        scratch
            .add(rv.clone())
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        checked.push(rv);
    }
    let mut rows = Vec::with_capacity(checked.len());
    for rv in &checked {
        let entry = serde_json::to_string(rv).map_err(|e| ApiError::Internal(e.to_string()))?;
        rows.push((rv.name.clone(), normalize(&rv.value).to_string(), entry));
    }
    state.0.store.put_references(&rows).await?;
    reload(&state).await?;
    Ok((StatusCode::CREATED, Json(json!({ "added": checked.len() }))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ValueQuery {
    /// Only this value (JSON), not every value of the name.
    pub value: Option<String>,
}

#[utoipa::path(delete, path = "/v1/reference-values/{name}", params(ValueQuery),
    security(("admin" = [])), responses((status = 200), (status = 404, body = ErrorBody)))]
pub async fn delete_references(
    state: Shared,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<ValueQuery>,
) -> Result<Json<Value>, ApiError> {
    admin(&state, &headers)?;
    if !secgear_attest::reference::valid_name(&name) {
        return Err(ApiError::BadRequest(format!(
            "invalid reference name {name:?}"
        )));
    }
    let value = match &query.value {
        Some(text) => {
            let v: Value = serde_json::from_str(text)
                .map_err(|e| ApiError::BadRequest(format!("value is not JSON: {e}")))?;
            Some(normalize(&v).to_string())
        }
        None => None,
    };
    let deleted = state
        .0
        .store
        .delete_reference(&name, value.as_deref())
        .await?;
    if deleted == 0 {
        return Err(ApiError::NotFound(format!("no reference value {name}")));
    }
    reload(&state).await?;
    Ok(Json(json!({ "deleted": deleted })))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnchorBody {
    /// The TEE the anchor is for: `sim`, `cca`, `virtcca` or `itrustee`.
    #[schema(value_type = String)]
    pub tee: TeeKind,
    /// PEM certificates or public key, this project's JSON anchor file, a
    /// JWK, or base64 of a DER certificate.
    pub data: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnchorInfo {
    pub id: String,
    #[schema(value_type = String)]
    pub tee: TeeKind,
}

#[utoipa::path(get, path = "/v1/trust-anchors", security(("admin" = [])),
    responses((status = 200, body = [AnchorInfo])))]
pub async fn list_anchors(
    state: Shared,
    headers: HeaderMap,
) -> Result<Json<Vec<AnchorInfo>>, ApiError> {
    admin(&state, &headers)?;
    let anchors = state.0.store.list_anchors().await?;
    Ok(Json(
        anchors
            .into_iter()
            .map(|a| AnchorInfo {
                id: a.id,
                tee: a.tee,
            })
            .collect(),
    ))
}

#[utoipa::path(put, path = "/v1/trust-anchors/{id}", request_body = AnchorBody,
    security(("admin" = [])), responses((status = 200, body = AnchorInfo), (status = 400, body = ErrorBody)))]
pub async fn put_anchor(
    state: Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<AnchorBody>, JsonRejection>,
) -> Result<Json<AnchorInfo>, ApiError> {
    admin(&state, &headers)?;
    checked_id(&id)?;
    let Json(body) = body?;
    let anchor = StoredAnchor {
        id: id.clone(),
        tee: body.tee,
        data: body.data,
    };
    crate::state::load_anchor(&mut secgear_attest::TrustAnchors::default(), &anchor)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    state.0.store.put_anchor(&anchor).await?;
    reload(&state).await?;
    Ok(Json(AnchorInfo {
        id,
        tee: anchor.tee,
    }))
}

#[utoipa::path(delete, path = "/v1/trust-anchors/{id}", security(("admin" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_anchor(
    state: Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin(&state, &headers)?;
    checked_id(&id)?;
    if !state.0.store.delete_anchor(&id).await? {
        return Err(ApiError::NotFound(format!("no trust anchor {id}")));
    }
    reload(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollateralBody {
    /// Intel: the collateral JSON (`QuoteCollateralV3` layout: PCK CRLs, TCB
    /// info, QE identity). AMD: a VCEK or VLEK certificate, PEM or base64 DER.
    pub data: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CollateralInfo {
    /// `intel` or `amd`.
    #[schema(value_type = String)]
    pub kind: CollateralKind,
    /// `sgx/<fmspc>`, `tdx/<fmspc>`, or the AMD certificate's SHA-256.
    pub key: String,
}

fn collateral_kind(kind: &str) -> Result<CollateralKind, ApiError> {
    kind.parse()
        .map_err(|e: secgear_attest::collateral::CollateralError| {
            ApiError::BadRequest(e.to_string())
        })
}

#[utoipa::path(get, path = "/v1/collateral", security(("admin" = [])),
    responses((status = 200, body = [CollateralInfo])))]
pub async fn list_collateral(
    state: Shared,
    headers: HeaderMap,
) -> Result<Json<Vec<CollateralInfo>>, ApiError> {
    admin(&state, &headers)?;
    let items = state.0.store.list_collateral().await?;
    Ok(Json(
        items
            .into_iter()
            .map(|c| CollateralInfo {
                kind: c.kind,
                key: c.key,
            })
            .collect(),
    ))
}

/// Stores collateral under the key it names itself by (its TCB info's TEE
/// and FMSPC, or the certificate's hash); refused if it cannot be read.
#[utoipa::path(put, path = "/v1/collateral/{kind}", request_body = CollateralBody,
    security(("admin" = [])), responses((status = 200, body = CollateralInfo), (status = 400, body = ErrorBody)))]
pub async fn put_collateral(
    state: Shared,
    headers: HeaderMap,
    Path(kind): Path<String>,
    body: Result<Json<CollateralBody>, JsonRejection>,
) -> Result<Json<CollateralInfo>, ApiError> {
    admin(&state, &headers)?;
    let kind = collateral_kind(&kind)?;
    let Json(body) = body?;
    let bytes = match kind {
        CollateralKind::Amd if !body.data.contains("-----BEGIN") => crate::b64::decode(&body.data)
            .map_err(|e| {
                ApiError::BadRequest(format!("certificate is neither PEM nor base64: {e}"))
            })?,
        _ => body.data.into_bytes(),
    };
    let item =
        CollateralItem::parse(kind, &bytes).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let key = state.0.store_collateral(&item).await.map_err(|e| match e {
        crate::state::StoreCollateralError::Collateral(e) => ApiError::BadRequest(e.to_string()),
        crate::state::StoreCollateralError::Database(e) => e.into(),
        crate::state::StoreCollateralError::State(e) => e.into(),
    })?;
    tracing::info!(target: "secgear::as", kind = kind.name(), %key, "collateral stored");
    Ok(Json(CollateralInfo { kind, key }))
}

#[utoipa::path(delete, path = "/v1/collateral/{kind}/{key}", security(("admin" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_collateral(
    state: Shared,
    headers: HeaderMap,
    Path((kind, key)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    admin(&state, &headers)?;
    let kind = collateral_kind(&kind)?;
    if !state.0.store.delete_collateral(kind, &key).await? {
        return Err(ApiError::NotFound(format!(
            "no {} collateral {key}",
            kind.name()
        )));
    }
    reload(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceBody {
    /// The content, base64.
    pub content: String,
    /// The Rego policy (`package secgear.resource`, rule `allow`) a token must satisfy.
    pub policy: String,
}

#[utoipa::path(get, path = "/v1/resources", security(("admin" = [])),
    responses((status = 200, body = [String])))]
pub async fn list_resources(
    state: Shared,
    headers: HeaderMap,
) -> Result<Json<Vec<String>>, ApiError> {
    admin(&state, &headers)?;
    Ok(Json(state.0.store.list_resources().await?))
}

#[utoipa::path(put, path = "/v1/resources/{path}", request_body = ResourceBody,
    security(("admin" = [])), responses((status = 200), (status = 400, body = ErrorBody)))]
pub async fn put_resource(
    state: Shared,
    headers: HeaderMap,
    Path(path): Path<String>,
    body: Result<Json<ResourceBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    admin(&state, &headers)?;
    checked_path(&path)?;
    let Json(body) = body?;
    crate::b64::decode(&body.content)
        .map_err(|_| ApiError::BadRequest("content is not base64".into()))?;
    crate::resource_policy::compile(&body.policy)
        .map_err(|e| ApiError::BadRequest(format!("resource policy: {e}")))?;
    let resource = StoredResource {
        content: body.content,
        policy: body.policy,
    };
    state.0.store.put_resource(&path, &resource).await?;
    Ok(Json(json!({ "path": path })))
}

#[utoipa::path(delete, path = "/v1/resources/{path}", security(("admin" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_resource(
    state: Shared,
    headers: HeaderMap,
    Path(path): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin(&state, &headers)?;
    checked_path(&path)?;
    if !state.0.store.delete_resource(&path).await? {
        return Err(ApiError::NotFound(format!("no resource {path}")));
    }
    Ok(StatusCode::NO_CONTENT)
}
