//! OBJECTID (RFC 8474): MAILBOXID, EMAILID and THREADID.
//!
//! MAILBOXID comes from the store's mailbox id, which a store counter never hands out twice and
//! which RENAME keeps (§4). EMAILID is the SHA-256 of the content (the key of the blob table):
//! identical across COPY/MOVE and restarts, and shared only by messages with identical content,
//! as §5.1 allows. THREADID is NIL: threads are not kept persistently (§5.2).

use sha2::{Digest, Sha256};

use crate::store::Mailbox;

/// `objectid = 1*255(ALPHA / DIGIT / "_" / "-")` of a mailbox.
pub fn mailbox_id(mailbox: &Mailbox) -> String {
    format!("M{:016x}", mailbox.id)
}

/// EMAILID of a message's content: "E" and the first 128 bits of its SHA-256, in hex.
pub fn email_id(raw: &[u8]) -> String {
    let digest = Sha256::digest(raw);
    let mut s = String::from("E");
    for b in digest.iter().take(16) {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_objectids() {
        let id = email_id(b"hello");
        assert_eq!(id, "E2cf24dba5fb0a30e26e83b2ac5b9e29e");
        assert!(id.len() <= 255 && id.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(email_id(b"hello"), email_id(b"hello!"));
    }
}
