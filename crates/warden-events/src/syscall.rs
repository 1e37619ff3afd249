//! Event types, named as Falco's `evt.type` names them.

use serde::{Deserialize, Serialize};

macro_rules! syscalls {
    ($($variant:ident => $name:literal),+ $(,)?) => {
        /// What kind of event this is: a syscall, or a scheduler event (`clone` for a new
        /// task, `procexit` for an exit).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Syscall {
            $(#[serde(rename = $name)] $variant,)+
        }

        impl Syscall {
            /// Every event type, in a fixed order (rule indexes use it).
            pub const ALL: &'static [Syscall] = &[$(Syscall::$variant,)+];

            /// The `evt.type` name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Syscall::$variant => $name,)+
                }
            }

            pub fn from_name(name: &str) -> Option<Syscall> {
                match name {
                    $($name => Some(Syscall::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

syscalls! {
    Execve => "execve",
    Execveat => "execveat",
    Clone => "clone",
    Clone3 => "clone3",
    Fork => "fork",
    Vfork => "vfork",
    Exit => "procexit",
    Open => "open",
    Openat => "openat",
    Openat2 => "openat2",
    Creat => "creat",
    Unlink => "unlink",
    Unlinkat => "unlinkat",
    Rename => "rename",
    Renameat => "renameat",
    Renameat2 => "renameat2",
    Chmod => "chmod",
    Fchmod => "fchmod",
    Fchmodat => "fchmodat",
    Chown => "chown",
    Lchown => "lchown",
    Fchown => "fchown",
    Fchownat => "fchownat",
    Link => "link",
    Linkat => "linkat",
    Symlink => "symlink",
    Symlinkat => "symlinkat",
    Mkdir => "mkdir",
    Mkdirat => "mkdirat",
    Rmdir => "rmdir",
    Connect => "connect",
    Accept => "accept",
    Accept4 => "accept4",
    Listen => "listen",
    Bind => "bind",
    Socket => "socket",
    Sendto => "sendto",
    Sendmsg => "sendmsg",
    Dup => "dup",
    Dup2 => "dup2",
    Dup3 => "dup3",
    Ptrace => "ptrace",
    MemfdCreate => "memfd_create",
    InitModule => "init_module",
    FinitModule => "finit_module",
    Mount => "mount",
    Umount2 => "umount2",
    Settimeofday => "settimeofday",
    ClockSettime => "clock_settime",
    Adjtimex => "adjtimex",
    Setuid => "setuid",
    Setgid => "setgid",
    Setreuid => "setreuid",
    Setregid => "setregid",
    Setresuid => "setresuid",
    Setresgid => "setresgid",
    Unshare => "unshare",
    Setns => "setns",
    Bpf => "bpf",
    Userfaultfd => "userfaultfd",
    Recvfrom => "recvfrom",
    Recvmsg => "recvmsg",
}

impl Syscall {
    /// Falco's `evt.category`-style family: whether this starts a program.
    pub fn is_exec(self) -> bool {
        matches!(self, Syscall::Execve | Syscall::Execveat)
    }

    pub fn is_open(self) -> bool {
        matches!(
            self,
            Syscall::Open | Syscall::Openat | Syscall::Openat2 | Syscall::Creat
        )
    }
}

impl std::fmt::Display for Syscall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &syscall in Syscall::ALL {
            assert_eq!(Syscall::from_name(syscall.name()), Some(syscall));
            let json = serde_json::to_string(&syscall).unwrap();
            assert_eq!(json, format!("\"{}\"", syscall.name()));
        }
        assert_eq!(Syscall::from_name("read"), None);
    }
}
