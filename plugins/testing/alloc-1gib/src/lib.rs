//! Faulty test plugin: tries to allocate 1 GiB and touch every page of it in `filter`. The
//! server's memory limit must refuse the growth; the plugin then logs an error and aborts
//! (a trap), and the server stays up. If the allocation is allowed after all, the message gets
//! `X-Alloc-1GiB: allocated`.
use mailsift_plugin_sdk::prelude::*;

const SIZE: usize = 1 << 30;

struct Alloc1Gib;

impl Plugin for Alloc1Gib {
    fn info() -> PluginInfo {
        PluginInfo::new("alloc-1gib", env!("CARGO_PKG_VERSION"))
            .description("Allocates and touches 1 GiB")
    }

    fn filter(_message: &Message) -> Verdict {
        let mut buf: Vec<u8> = Vec::new();
        if buf.try_reserve_exact(SIZE).is_err() {
            error!("alloc-1gib: the allocation of {SIZE} bytes was refused");
            std::alloc::handle_alloc_error(std::alloc::Layout::array::<u8>(SIZE).unwrap());
        }
        buf.resize(SIZE, 0);
        // Touch every 4 KiB so the memory is really used, not just reserved.
        for i in (0..SIZE).step_by(4096) {
            buf[i] = 1;
        }
        let touched = buf.iter().step_by(4096).filter(|&&b| b == 1).count();
        std::hint::black_box(&buf);
        Verdict::continue_with().header(
            "X-Alloc-1GiB",
            format!("allocated ({touched} pages touched)"),
        )
    }
}

export_plugin!(Alloc1Gib);
