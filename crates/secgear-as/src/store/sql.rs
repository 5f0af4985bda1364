//! [`Store`] over sqlx's `Any` driver: SQLite or PostgreSQL by URL.

use super::migrations::STEPS;
use super::{StoreResult, StoredAnchor, StoredCollateral, StoredPolicy, StoredResource};
use secgear_attest::TeeKind;
use secgear_attest::collateral::CollateralKind;
use sqlx::AnyPool;
use sqlx::Row;
use sqlx::any::AnyPoolOptions;

type Change<'c, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = StoreResult<T>> + Send + 'c>>;

pub struct SqlStore {
    pool: AnyPool,
    postgres: bool,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("postgres", &self.postgres)
            .finish()
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl SqlStore {
    /// Connects (creating an SQLite file if needed) and migrates.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let postgres = url.starts_with("postgres");
        let url = if postgres || url.contains("mode=") || url.contains(":memory:") {
            url.to_string()
        } else {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        };
        let options = AnyPoolOptions::new().max_connections(if postgres { 16 } else { 8 });
        let options = if postgres {
            options
        } else {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers run beside the writer; NORMAL syncs at
                    // checkpoints, which WAL makes safe against corruption.
                    use sqlx::Executor as _;
                    conn.execute("PRAGMA journal_mode=WAL").await?;
                    conn.execute("PRAGMA synchronous=NORMAL").await?;
                    conn.execute("PRAGMA busy_timeout=5000").await?;
                    Ok(())
                })
            })
        };
        let pool = options.connect(&url).await?;
        let store = Self { pool, postgres };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        if self.postgres {
            // Instances starting together take turns.
            sqlx::query("SELECT pg_advisory_lock(7301)")
                .execute(&mut *conn)
                .await?;
        }
        let result = async {
            sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
                .execute(&mut *conn)
                .await?;
            let current: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM schema_version")
                .fetch_one(&mut *conn)
                .await?
                .try_get("v")?;
            let current = current.unwrap_or(0);
            for (i, step) in STEPS.iter().enumerate() {
                let version = i as i64 + 1;
                if version <= current {
                    continue;
                }
                let mut tx = sqlx::Acquire::begin(&mut *conn).await?;
                for statement in *step {
                    sqlx::query(statement).execute(&mut *tx).await?;
                }
                sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                tracing::info!(target: "secgear::as", version, "database migrated");
            }
            Ok::<_, sqlx::Error>(())
        }
        .await;
        if self.postgres {
            let _ = sqlx::query("SELECT pg_advisory_unlock(7301)")
                .execute(&mut *conn)
                .await;
        }
        result
    }

    /// Runs `change` and the generation bump in one transaction, so other
    /// instances see the change exactly when they see the new generation.
    async fn changed<T: Send>(
        &self,
        change: impl for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> Change<'c, T> + Send,
    ) -> StoreResult<T> {
        let mut tx = self.pool.begin().await?;
        let out = change(&mut tx).await?;
        sqlx::query("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }
}

#[async_trait::async_trait]
impl super::Store for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn insert_nonce(&self, nonce: &str, expires_at: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO nonces (nonce, expires_at) VALUES ($1, $2)")
            .bind(nonce)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn take_nonce(&self, nonce: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("DELETE FROM nonces WHERE nonce = $1 RETURNING expires_at")
            .bind(nonce)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get("expires_at")).transpose()
    }

    async fn purge_nonces(&self, now: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM nonces WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn generation(&self) -> StoreResult<i64> {
        sqlx::query("SELECT value FROM meta WHERE key = 'generation'")
            .fetch_one(&self.pool)
            .await?
            .try_get("value")
    }

    async fn put_policy(&self, id: &str, source: &str) -> StoreResult<()> {
        let (id, source) = (id.to_string(), source.to_string());
        self.changed(move |c| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO policies (id, source, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at",
                )
                .bind(id)
                .bind(source)
                .bind(now())
                .execute(c)
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn get_policy(&self, id: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT source FROM policies WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get("source")).transpose()
    }

    async fn delete_policy(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_string();
        self.changed(move |c| {
            Box::pin(async move {
                let done = sqlx::query("DELETE FROM policies WHERE id = $1")
                    .bind(id)
                    .execute(c)
                    .await?;
                Ok(done.rows_affected() > 0)
            })
        })
        .await
    }

    async fn list_policies(&self) -> StoreResult<Vec<StoredPolicy>> {
        sqlx::query("SELECT id, source FROM policies ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(StoredPolicy {
                    id: r.try_get("id")?,
                    source: r.try_get("source")?,
                })
            })
            .collect()
    }

    async fn put_references(&self, entries: &[(String, String, String)]) -> StoreResult<()> {
        let entries = entries.to_vec();
        self.changed(move |c| {
            Box::pin(async move {
                for (name, value, entry) in entries {
                    sqlx::query(
                        "INSERT INTO reference_values (name, value, entry) VALUES ($1, $2, $3) \
                         ON CONFLICT (name, value) DO UPDATE SET entry = excluded.entry",
                    )
                    .bind(name)
                    .bind(value)
                    .bind(entry)
                    .execute(&mut *c)
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn delete_reference(&self, name: &str, value: Option<&str>) -> StoreResult<u64> {
        let (name, value) = (name.to_string(), value.map(str::to_string));
        self.changed(move |c| {
            Box::pin(async move {
                let done = match value {
                    Some(v) => {
                        sqlx::query("DELETE FROM reference_values WHERE name = $1 AND value = $2")
                            .bind(name)
                            .bind(v)
                            .execute(c)
                            .await?
                    }
                    None => {
                        sqlx::query("DELETE FROM reference_values WHERE name = $1")
                            .bind(name)
                            .execute(c)
                            .await?
                    }
                };
                Ok(done.rows_affected())
            })
        })
        .await
    }

    async fn list_references(&self) -> StoreResult<Vec<String>> {
        sqlx::query("SELECT entry FROM reference_values ORDER BY name, value")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("entry"))
            .collect()
    }

    async fn put_anchor(&self, a: &StoredAnchor) -> StoreResult<()> {
        let a = a.clone();
        self.changed(move |c| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO trust_anchors (id, tee, data) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET tee = excluded.tee, data = excluded.data",
                )
                .bind(a.id)
                .bind(a.tee.name())
                .bind(a.data)
                .execute(c)
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn delete_anchor(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_string();
        self.changed(move |c| {
            Box::pin(async move {
                let done = sqlx::query("DELETE FROM trust_anchors WHERE id = $1")
                    .bind(id)
                    .execute(c)
                    .await?;
                Ok(done.rows_affected() > 0)
            })
        })
        .await
    }

    async fn list_anchors(&self) -> StoreResult<Vec<StoredAnchor>> {
        let rows = sqlx::query("SELECT id, tee, data FROM trust_anchors ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let mut anchors = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let tee: String = r.try_get("tee")?;
            match tee.parse::<TeeKind>() {
                Ok(tee) => anchors.push(StoredAnchor {
                    id,
                    tee,
                    data: r.try_get("data")?,
                }),
                Err(e) => {
                    tracing::warn!(target: "secgear::as", %id, "stored trust anchor skipped: {e}")
                }
            }
        }
        Ok(anchors)
    }

    async fn put_collateral(&self, item: &StoredCollateral) -> StoreResult<()> {
        let item = item.clone();
        self.changed(move |c| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO collateral (kind, key, data) VALUES ($1, $2, $3) \
                     ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
                )
                .bind(item.kind.name())
                .bind(item.key)
                .bind(item.data)
                .execute(c)
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn delete_collateral(&self, kind: CollateralKind, key: &str) -> StoreResult<bool> {
        let key = key.to_string();
        self.changed(move |c| {
            Box::pin(async move {
                let done = sqlx::query("DELETE FROM collateral WHERE kind = $1 AND key = $2")
                    .bind(kind.name())
                    .bind(key)
                    .execute(c)
                    .await?;
                Ok(done.rows_affected() > 0)
            })
        })
        .await
    }

    async fn list_collateral(&self) -> StoreResult<Vec<StoredCollateral>> {
        let rows = sqlx::query("SELECT kind, key, data FROM collateral ORDER BY kind, key")
            .fetch_all(&self.pool)
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let key: String = r.try_get("key")?;
            match kind.parse::<CollateralKind>() {
                Ok(kind) => items.push(StoredCollateral {
                    kind,
                    key,
                    data: r.try_get("data")?,
                }),
                Err(e) => {
                    tracing::warn!(target: "secgear::as", %key, "stored collateral skipped: {e}")
                }
            }
        }
        Ok(items)
    }

    async fn put_resource(&self, path: &str, res: &StoredResource) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO resources (path, content, policy) VALUES ($1, $2, $3) \
             ON CONFLICT (path) DO UPDATE SET content = excluded.content, policy = excluded.policy",
        )
        .bind(path)
        .bind(&res.content)
        .bind(&res.policy)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn get_resource(&self, path: &str) -> StoreResult<Option<StoredResource>> {
        let row = sqlx::query("SELECT content, policy FROM resources WHERE path = $1")
            .bind(path)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(StoredResource {
                content: r.try_get("content")?,
                policy: r.try_get("policy")?,
            })
        })
        .transpose()
    }

    async fn delete_resource(&self, path: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM resources WHERE path = $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_resources(&self) -> StoreResult<Vec<String>> {
        sqlx::query("SELECT path FROM resources ORDER BY path")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("path"))
            .collect()
    }

    async fn legacy_signing_key(&self) -> StoreResult<Option<String>> {
        sqlx::query("SELECT pem FROM signing_keys WHERE slot = 'current'")
            .fetch_optional(&self.pool)
            .await?
            .map(|row| row.try_get("pem"))
            .transpose()
    }

    async fn forget_legacy_signing_key(&self) -> StoreResult<()> {
        sqlx::query("DELETE FROM signing_keys")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn log_token(
        &self,
        jti: &str,
        issued_at: i64,
        tee: TeeKind,
        status: &str,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO tokens (jti, issued_at, tee, status) VALUES ($1, $2, $3, $4)")
            .bind(jti)
            .bind(issued_at)
            .bind(tee.name())
            .bind(status)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn token_count(&self) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM tokens")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;

    async fn store() -> (tempfile::TempDir, SqlStore) {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("as.db").display());
        let store = SqlStore::connect(&url).await.expect("connect");
        (dir, store)
    }

    #[tokio::test]
    async fn a_nonce_is_taken_once() {
        let (_dir, s) = store().await;
        s.insert_nonce("n1", 100).await.expect("insert");
        assert_eq!(s.take_nonce("n1").await.expect("take"), Some(100));
        assert_eq!(s.take_nonce("n1").await.expect("again"), None);
        assert_eq!(s.take_nonce("never").await.expect("unknown"), None);
        s.insert_nonce("old", 5).await.expect("insert");
        assert_eq!(s.purge_nonces(10).await.expect("purge"), 1);
    }

    #[tokio::test]
    async fn writes_bump_the_generation_and_survive_a_reopen() {
        let (dir, s) = store().await;
        let g0 = s.generation().await.expect("gen");
        s.put_policy("p", "package x").await.expect("put");
        s.put_references(&[("n".into(), "\"v\"".into(), "{}".into())])
            .await
            .expect("ref");
        assert_eq!(s.generation().await.expect("gen"), g0 + 2);
        sqlx::query("INSERT INTO signing_keys (slot, pem) VALUES ('current', 'old key')")
            .execute(&s.pool)
            .await
            .expect("a legacy key");
        assert_eq!(
            s.legacy_signing_key().await.expect("read").as_deref(),
            Some("old key")
        );
        s.forget_legacy_signing_key().await.expect("forget");
        assert_eq!(s.legacy_signing_key().await.expect("read"), None);
        drop(s);
        let url = format!("sqlite://{}", dir.path().join("as.db").display());
        let again = SqlStore::connect(&url)
            .await
            .expect("reopen migrates nothing twice");
        assert_eq!(
            again.get_policy("p").await.expect("get").as_deref(),
            Some("package x")
        );
        assert_eq!(again.delete_reference("n", None).await.expect("del"), 1);
    }
}
