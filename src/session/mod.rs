//! What every protocol session shares (SMTP, IMAP, ManageSieve, and POP3 later), written once
//! and hardened once: buffered I/O with read and write deadlines, STARTTLS, SASL decoding, the
//! authentication throttle, per-IP connection caps, literal framing with caps, and revocation of
//! open sessions when an account is blocked or a device password removed.

pub mod conn_limits;
pub mod io;
pub mod literal;
pub mod revoke;
pub mod sasl;
pub mod throttle;
