//! What a backend's probe found, as data: which device nodes exist, what
//! they are, whether this process may open them, and the verdict.

use std::path::PathBuf;

/// One backend's finding on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub availability: Availability,
    /// Every device node the backend looked at, found or not.
    pub devices: Vec<DeviceProbe>,
}

/// Whether a backend can run enclaves here, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// It can load and run enclaves.
    Ready,
    /// None of the device nodes it needs exists (no hardware, or no driver loaded).
    DeviceMissing,
    /// A device exists but this process may not open it for reading and writing.
    NoAccess,
    /// The hardware is present and usable, but this release has no loader
    /// for it: enclaves cannot be created on it yet.
    NoLoader,
    /// This build of secgear-host does not include the backend (a cargo
    /// feature is off).
    NotBuilt { feature: &'static str },
}

/// What one device node turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceProbe {
    pub path: PathBuf,
    pub state: DeviceState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceState {
    Missing,
    /// Something other than a character device is at the path.
    NotCharDevice,
    CharDevice {
        major: u32,
        minor: u32,
        /// The kernel driver behind it, from sysfs (`None` if sysfs does not say).
        driver: Option<String>,
        readable: bool,
        writable: bool,
    },
    /// The path could not be examined (permission on a parent, ...).
    Unreadable(String),
}

impl DeviceProbe {
    /// Examines `path` without opening it.
    pub fn examine(path: impl Into<PathBuf>) -> Self {
        use rustix::fs::{Access, FileType};
        let path = path.into();
        let state = match rustix::fs::stat(&path) {
            Err(rustix::io::Errno::NOENT) | Err(rustix::io::Errno::NOTDIR) => DeviceState::Missing,
            Err(e) => DeviceState::Unreadable(e.to_string()),
            Ok(st) if FileType::from_raw_mode(st.st_mode) != FileType::CharacterDevice => {
                DeviceState::NotCharDevice
            }
            Ok(st) => {
                let (major, minor) = (rustix::fs::major(st.st_rdev), rustix::fs::minor(st.st_rdev));
                DeviceState::CharDevice {
                    major,
                    minor,
                    driver: driver_of(major, minor),
                    readable: rustix::fs::access(&path, Access::READ_OK).is_ok(),
                    writable: rustix::fs::access(&path, Access::WRITE_OK).is_ok(),
                }
            }
        };
        Self { path, state }
    }

    pub fn is_present(&self) -> bool {
        matches!(self.state, DeviceState::CharDevice { .. })
    }

    pub fn is_usable(&self) -> bool {
        matches!(
            self.state,
            DeviceState::CharDevice {
                readable: true,
                writable: true,
                ..
            }
        )
    }
}

/// The driver sysfs names for a character device: the `driver` link of its
/// device, else the name the device itself registered.
fn driver_of(major: u32, minor: u32) -> Option<String> {
    let dev = PathBuf::from(format!("/sys/dev/char/{major}:{minor}"));
    let base_name = |p: PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned());
    std::fs::read_link(dev.join("device/driver"))
        .ok()
        .and_then(base_name)
        .or_else(|| {
            let uevent = std::fs::read_to_string(dev.join("uevent")).ok()?;
            uevent
                .lines()
                .find_map(|l| l.strip_prefix("DEVNAME="))
                .map(str::to_owned)
        })
}

impl Probe {
    /// A verdict from device nodes: ready when one is usable and the backend
    /// can load (`loads`), else the most precise reason it cannot.
    pub fn from_devices(devices: Vec<DeviceProbe>, loads: bool) -> Self {
        let availability = if !devices.iter().any(DeviceProbe::is_present) {
            Availability::DeviceMissing
        } else if !devices.iter().any(DeviceProbe::is_usable) {
            Availability::NoAccess
        } else if loads {
            Availability::Ready
        } else {
            Availability::NoLoader
        };
        Self {
            availability,
            devices,
        }
    }

    /// One line for error messages: the verdict and each device's state.
    pub fn describe(&self) -> String {
        let verdict = match &self.availability {
            Availability::Ready => "ready".to_owned(),
            Availability::DeviceMissing => "no device".to_owned(),
            Availability::NoAccess => {
                "device present but not readable and writable by this process".to_owned()
            }
            Availability::NoLoader => {
                "device present and usable, but this release has no loader for it".to_owned()
            }
            Availability::NotBuilt { feature } => {
                format!("not built into this secgear-host (cargo feature `{feature}`)")
            }
        };
        if self.devices.is_empty() {
            return verdict;
        }
        let devices: Vec<String> = self
            .devices
            .iter()
            .map(|d| {
                let state = match &d.state {
                    DeviceState::Missing => "missing".to_owned(),
                    DeviceState::NotCharDevice => "not a character device".to_owned(),
                    DeviceState::Unreadable(e) => format!("cannot examine: {e}"),
                    DeviceState::CharDevice {
                        major,
                        minor,
                        driver,
                        readable,
                        writable,
                    } => format!(
                        "char {major}:{minor}, driver {}, {}{}",
                        driver.as_deref().unwrap_or("unknown"),
                        if *readable { "r" } else { "-" },
                        if *writable { "w" } else { "-" },
                    ),
                };
                format!("{} {state}", d.path.display())
            })
            .collect();
        format!("{verdict} ({})", devices.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_node_a_regular_file_and_a_usable_device_are_told_apart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("not-a-device");
        std::fs::write(&file, b"").expect("write");
        assert_eq!(
            DeviceProbe::examine(dir.path().join("absent")).state,
            DeviceState::Missing
        );
        assert_eq!(
            DeviceProbe::examine(&file).state,
            DeviceState::NotCharDevice
        );
        // /dev/null: a character device every process may read and write.
        let null = DeviceProbe::examine("/dev/null");
        assert!(null.is_usable(), "{null:?}");
        assert!(matches!(
            null.state,
            DeviceState::CharDevice {
                major: 1,
                minor: 3,
                ..
            }
        ));
    }

    #[test]
    fn the_verdict_names_the_most_precise_reason() {
        let missing = DeviceProbe {
            path: "/dev/x".into(),
            state: DeviceState::Missing,
        };
        let locked = DeviceProbe {
            path: "/dev/y".into(),
            state: DeviceState::CharDevice {
                major: 10,
                minor: 1,
                driver: None,
                readable: true,
                writable: false,
            },
        };
        let open = DeviceProbe::examine("/dev/null");
        let verdict = |d: Vec<DeviceProbe>, loads| Probe::from_devices(d, loads).availability;
        assert_eq!(
            verdict(vec![missing.clone()], true),
            Availability::DeviceMissing
        );
        assert_eq!(
            verdict(vec![missing.clone(), locked.clone()], true),
            Availability::NoAccess
        );
        assert_eq!(
            verdict(vec![locked.clone(), open.clone()], false),
            Availability::NoLoader
        );
        assert_eq!(verdict(vec![missing, open], true), Availability::Ready);
        assert!(
            Probe::from_devices(vec![locked], true)
                .describe()
                .contains("/dev/y char 10:1, driver unknown, r-")
        );
    }
}
