//! A probe image that never starts the runtime (no `entry!`): its
//! constructor makes every attempt before `main`, and `main` leaves the
//! outcomes as the channel's death note, where the host's error shows them.

use std::os::fd::FromRawFd;

// SAFETY: see probe-entry.rs.
#[used]
#[unsafe(link_section = ".init_array")]
static CONSTRUCTOR: extern "C" fn() = constructor;

extern "C" fn constructor() {
    secgear_hostile_enclaves::run_once();
}

fn main() {
    // SAFETY: the loader hands this process descriptor 3 for its channel,
    // and nothing else in it owns that descriptor.
    let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(secgear_sim::CHANNEL_FD) };
    let Ok(channel) = secgear_sim::channel::Channel::attach(fd) else {
        std::process::exit(2);
    };
    channel.write_death_note(&format!("probe:\n{}", secgear_hostile_enclaves::results()));
    channel.set_ready(secgear_sim::channel::ready::FAILED);
    std::process::exit(0);
}
