//! The rules for users' Sieve scripts, in one place for every door that manages them
//! (ManageSieve, the CLI through the admin requests): script names, size, count per account,
//! UTF-8, compiling, and the active-script guard. Each door only words the refusal its own way
//! (RFC 5804 response codes, CLI messages).

use crate::store::{AccountId, ReadTx, Store, StoreError};

use super::compile::{ScriptError, SieveLimits, check_script};

/// Why a script operation is refused: the user's mistake, never the server's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptRefusal {
    /// RFC 5804 §1.6: UTF-8 without control characters; we also bound the length.
    #[error("\"{0}\" is not a script name (1 to 128 characters, no control characters)")]
    BadName(String),
    #[error("A script of {size} octets is too large (at most {max})")]
    TooLarge { size: u64, max: usize },
    #[error("At most {max} scripts per account; delete one first")]
    TooMany { max: usize },
    /// RFC 5228 §2.1.
    #[error("A Sieve script is UTF-8 text (RFC 5228 §2.1)")]
    NotUtf8,
    #[error("{0}")]
    Compile(ScriptError),
    /// RFC 5804 §2.10: the active script cannot be deleted.
    #[error("\"{0}\" is the active script; deactivate it first")]
    Active(String),
    #[error("There is no script named \"{0}\"")]
    NotFound(String),
    #[error("A script named \"{0}\" already exists")]
    Exists(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ScriptsError {
    #[error(transparent)]
    Refused(#[from] ScriptRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// RFC 5804 §1.6 script names, bounded to 128 octets.
pub fn check_name(name: &str) -> Result<(), ScriptRefusal> {
    if crate::store::sieve::valid_script_name(name) {
        Ok(())
    } else {
        Err(ScriptRefusal::BadName(name.to_string()))
    }
}

pub fn check_size(size: u64, limits: &SieveLimits) -> Result<(), ScriptRefusal> {
    if size > limits.max_script_size as u64 {
        return Err(ScriptRefusal::TooLarge {
            size,
            max: limits.max_script_size,
        });
    }
    Ok(())
}

/// Everything about a script's content: size, compiling (with line and column), UTF-8.
/// Returns the script as text, ready to store.
pub fn validate(script: &[u8], limits: &SieveLimits) -> Result<String, ScriptRefusal> {
    check_size(script.len() as u64, limits)?;
    check_script(script, limits).map_err(ScriptRefusal::Compile)?;
    String::from_utf8(script.to_vec()).map_err(|_| ScriptRefusal::NotUtf8)
}

/// Would storing a script `name` of `size` octets succeed (ManageSieve HAVESPACE, and the
/// first check of every put)? Replacing an existing script never exceeds the count.
pub fn check_space(
    read: &ReadTx,
    account: AccountId,
    name: &str,
    size: u64,
    limits: &SieveLimits,
) -> Result<(), ScriptsError> {
    check_name(name)?;
    check_size(size, limits)?;
    let scripts = read.sieve_scripts(account)?;
    if !scripts.iter().any(|s| s.name == name) && scripts.len() >= limits.max_scripts {
        return Err(ScriptRefusal::TooMany {
            max: limits.max_scripts,
        }
        .into());
    }
    Ok(())
}

/// Compiles and stores a script (replacing one of the same name), activating it if asked.
pub async fn put(
    store: &Store,
    account: AccountId,
    name: &str,
    script: &[u8],
    limits: &SieveLimits,
    activate: bool,
) -> Result<(), ScriptsError> {
    check_name(name)?;
    let content = validate(script, limits)?;
    check_space(&store.read()?, account, name, script.len() as u64, limits)?;
    let (n, max) = (name.to_string(), limits.max_scripts);
    store
        .write(move |tx| {
            // The store checks the count again inside the write: two concurrent puts cannot
            // both take the last place.
            tx.sieve_put(account, &n, &content, max)?;
            if activate {
                tx.sieve_set_active(account, Some(&n))?;
            }
            Ok(())
        })
        .await
        .map_err(|e| refusal_of(e, name))
}

/// Deletes a script; the active one is refused (RFC 5804 §2.10).
pub async fn delete(store: &Store, account: AccountId, name: &str) -> Result<(), ScriptsError> {
    if store.read()?.sieve_active_name(account)?.as_deref() == Some(name) {
        return Err(ScriptRefusal::Active(name.to_string()).into());
    }
    let n = name.to_string();
    store
        .write(move |tx| tx.sieve_delete(account, &n))
        .await
        .map_err(|e| refusal_of(e, name))
}

/// Renames a script (the active one stays active under its new name; RFC 5804 §2.11.1).
pub async fn rename(
    store: &Store,
    account: AccountId,
    from: &str,
    to: &str,
) -> Result<(), ScriptsError> {
    check_name(to)?;
    let (f, t) = (from.to_string(), to.to_string());
    store
        .write(move |tx| tx.sieve_rename(account, &f, &t))
        .await
        .map_err(|e| match e {
            StoreError::Exists(_) => ScriptRefusal::Exists(to.to_string()).into(),
            StoreError::NotFound(_) => ScriptRefusal::NotFound(from.to_string()).into(),
            other => other.into(),
        })
}

/// Makes `name` the active script; `None` leaves the account without one (RFC 5804 §2.8).
pub async fn set_active(
    store: &Store,
    account: AccountId,
    name: Option<&str>,
) -> Result<(), ScriptsError> {
    let n = name.map(str::to_string);
    store
        .write(move |tx| tx.sieve_set_active(account, n.as_deref()))
        .await
        .map_err(|e| refusal_of(e, name.unwrap_or_default()))
}

/// The store's own consistency refusals, as the user's refusal for script `name`.
fn refusal_of(e: StoreError, name: &str) -> ScriptsError {
    match e {
        StoreError::NotFound(_) => ScriptRefusal::NotFound(name.to_string()).into(),
        StoreError::Exists(_) => ScriptRefusal::Exists(name.to_string()).into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SieveLimits {
        SieveLimits {
            max_script_size: 200,
            max_scripts: 2,
            ..SieveLimits::default()
        }
    }

    async fn store_with_account() -> (tempfile::TempDir, Store, AccountId) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let account = store
            .write(|tx| {
                tx.add_domain("example.org")?;
                tx.add_account("alice@example.org")
            })
            .await
            .unwrap();
        (dir, store, account.id)
    }

    fn refused(r: Result<(), ScriptsError>) -> ScriptRefusal {
        match r {
            Err(ScriptsError::Refused(r)) => r,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn content_rules() {
        let l = limits();
        assert_eq!(validate(b"keep;", &l).unwrap(), "keep;");
        assert!(matches!(
            validate(&[b'#'; 201], &l),
            Err(ScriptRefusal::TooLarge {
                size: 201,
                max: 200
            })
        ));
        assert!(matches!(
            validate(b"if true {", &l),
            Err(ScriptRefusal::Compile(_))
        ));
        assert_eq!(validate(b"# \xff\nkeep;", &l), Err(ScriptRefusal::NotUtf8));
        assert!(check_name("ok name").is_ok());
        for bad in ["", "a\nb", &"x".repeat(129)] {
            assert!(matches!(check_name(bad), Err(ScriptRefusal::BadName(_))));
        }
    }

    #[tokio::test]
    async fn store_rules() {
        let (_dir, store, id) = store_with_account().await;
        let l = limits();
        put(&store, id, "one", b"keep;", &l, true).await.unwrap();
        put(&store, id, "two", b"keep;", &l, false).await.unwrap();
        // Replacing an existing script is not a new one.
        put(&store, id, "two", b"discard;", &l, false)
            .await
            .unwrap();
        assert_eq!(
            refused(put(&store, id, "three", b"keep;", &l, false).await),
            ScriptRefusal::TooMany { max: 2 }
        );
        assert_eq!(
            refused(check_space(&store.read().unwrap(), id, "three", 10, &l)),
            ScriptRefusal::TooMany { max: 2 }
        );
        assert!(check_space(&store.read().unwrap(), id, "two", 10, &l).is_ok());
        assert_eq!(
            refused(delete(&store, id, "one").await),
            ScriptRefusal::Active("one".into())
        );
        assert_eq!(
            refused(delete(&store, id, "nope").await),
            ScriptRefusal::NotFound("nope".into())
        );
        assert_eq!(
            refused(rename(&store, id, "two", "one").await),
            ScriptRefusal::Exists("one".into())
        );
        assert_eq!(
            refused(set_active(&store, id, Some("nope")).await),
            ScriptRefusal::NotFound("nope".into())
        );
        rename(&store, id, "one", "main").await.unwrap();
        assert_eq!(
            store
                .read()
                .unwrap()
                .sieve_active_name(id)
                .unwrap()
                .as_deref(),
            Some("main")
        );
        set_active(&store, id, None).await.unwrap();
        delete(&store, id, "main").await.unwrap();
    }
}
