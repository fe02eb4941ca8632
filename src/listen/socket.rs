//! The listener's sockets and its `poll` loop: binding (a stale unix socket
//! file is removed, the new one made mode 0660 and removed again at the
//! end), receiving datagrams with the kernel's drop count (`SO_RXQ_OVFL`,
//! UDP), accepting TCP connections and reading them through their
//! [`Framer`]s, answering `/metrics`, and seeing the stop and reopen
//! requests. The only `unsafe` of the listener is here: `poll`,
//! `setsockopt` and `recvmsg` through libc.

use std::io::{self, Read};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use super::addr::Addr;
use super::frame::{Event, Framer, MAX_MESSAGE};
use super::handler::Handler;
use crate::error::Error;

/// The longest a poll round waits, and so the longest a stop or reopen
/// request waits to be seen.
pub const TICK: std::time::Duration = std::time::Duration::from_millis(200);

/// Messages read from one socket per poll round at most, so that one busy
/// socket cannot starve the others (or a stop request).
const BURST: usize = 4096;

/// A bound socket.
pub enum Source {
    /// A unix datagram socket and its path (removed on drop).
    Unix(UnixDatagram, PathBuf),
    /// A UDP socket; whether the kernel reports drops on it.
    Udp(UdpSocket, bool, u64),
    /// A TCP listener and its connections.
    Tcp(TcpListener, Vec<(TcpStream, Framer)>),
}

impl Drop for Source {
    fn drop(&mut self) {
        if let Source::Unix(_, p) = self {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Source {
    /// Binds `addr`, non-blocking.
    pub fn bind(addr: &Addr) -> Result<Source, Error> {
        let ctx = |e: io::Error| Error::io(&format!("--listen {}", show(addr)), &e);
        let s = match addr {
            Addr::Unix(p) => {
                if let Ok(m) = std::fs::symlink_metadata(p) {
                    if !m.file_type().is_socket() {
                        return Err(ctx(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            "exists and is not a socket",
                        )));
                    }
                    std::fs::remove_file(p).map_err(ctx)?;
                }
                let s = UnixDatagram::bind(p).map_err(ctx)?;
                let src = Source::Unix(s, p.clone());
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o660)).map_err(ctx)?;
                src
            }
            Addr::Udp(a) => {
                let s = UdpSocket::bind(a).map_err(ctx)?;
                let drops = set_rxq_ovfl(s.as_raw_fd());
                Source::Udp(s, drops, 0)
            }
            Addr::Tcp(a) => Source::Tcp(TcpListener::bind(a).map_err(ctx)?, Vec::new()),
        };
        match &s {
            Source::Unix(u, _) => u.set_nonblocking(true),
            Source::Udp(u, ..) => u.set_nonblocking(true),
            Source::Tcp(t, _) => t.set_nonblocking(true),
        }
        .map_err(ctx)?;
        if let Some(a) = s.local() {
            crate::progress::message(&format!("anonlog: listening on {a}"));
        }
        Ok(s)
    }

    /// The bound address, for the start message (a port 0 becomes the real one).
    fn local(&self) -> Option<String> {
        match self {
            Source::Unix(_, p) => Some(format!("unix:{}", p.display())),
            Source::Udp(u, ..) => u.local_addr().ok().map(|a| format!("udp://{a}")),
            Source::Tcp(t, _) => t.local_addr().ok().map(|a| format!("tcp://{a}")),
        }
    }

    /// Datagrams the kernel dropped, where it can tell: on UDP with
    /// `SO_RXQ_OVFL`; TCP does not drop; a unix datagram socket does not
    /// drop either, but makes the sender's `send` fail, which only the
    /// sender sees (nginx logs it in its error log).
    pub fn kernel_drops(&self) -> Option<u64> {
        match self {
            Source::Udp(_, true, n) => Some(*n),
            Source::Tcp(..) => Some(0),
            _ => None,
        }
    }

    fn fds(&self, v: &mut Vec<libc::pollfd>) {
        let fd = match self {
            Source::Unix(u, _) => u.as_raw_fd(),
            Source::Udp(u, ..) => u.as_raw_fd(),
            Source::Tcp(t, _) => t.as_raw_fd(),
        };
        v.push(pollfd(fd));
        if let Source::Tcp(_, conns) = self {
            v.extend(conns.iter().map(|(c, _)| pollfd(c.as_raw_fd())));
        }
    }

    /// Reads what is readable now (up to [`BURST`] messages a socket).
    fn read(&mut self, h: &mut Handler<'_>, buf: &mut [u8]) {
        match self {
            Source::Unix(u, _) => datagrams(u.as_raw_fd(), h, buf, None),
            Source::Udp(u, drops, n) => {
                let n = drops.then_some(n);
                datagrams(u.as_raw_fd(), h, buf, n)
            }
            Source::Tcp(l, conns) => {
                while let Ok((c, _)) = l.accept() {
                    if c.set_nonblocking(true).is_ok() {
                        h.counters.connections += 1;
                        conns.push((c, Framer::new()));
                    }
                }
                conns.retain_mut(|(c, f)| stream(c, f, h, buf));
            }
        }
    }
}

fn show(a: &Addr) -> String {
    match a {
        Addr::Unix(p) => format!("unix:{}", p.display()),
        Addr::Udp(s) => format!("udp://{s}"),
        Addr::Tcp(s) => format!("tcp://{s}"),
    }
}

fn pollfd(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// Runs until `stop` is set; then reads once more what the sockets hold.
pub fn serve(
    src: &mut Source,
    metrics: Option<&TcpListener>,
    h: &mut Handler<'_>,
    stop: &AtomicBool,
    reopen: &AtomicBool,
) -> Result<(), Error> {
    let mut buf = vec![0u8; MAX_MESSAGE + 1];
    let mut fds = Vec::new();
    loop {
        if reopen.swap(false, Ordering::SeqCst) {
            h.router.close()?;
            h.counters.reopens += 1;
        }
        if stop.load(Ordering::SeqCst) {
            src.read(h, &mut buf);
            if let Source::Tcp(_, conns) = src {
                for (_, f) in conns.iter_mut() {
                    f.finish(&mut |e| event(h, e));
                }
                conns.clear();
            }
            h.flush();
            return Ok(());
        }
        fds.clear();
        if let Some(w) = crate::wake::fd() {
            crate::wake::empty();
            fds.push(pollfd(w));
        }
        src.fds(&mut fds);
        if let Some(m) = metrics {
            fds.push(pollfd(m.as_raw_fd()));
        }
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs.
        let r = unsafe {
            libc::poll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                TICK.as_millis() as i32,
            )
        };
        if r <= 0
            || fds[0].revents != 0 && stop.load(Ordering::SeqCst) | reopen.load(Ordering::SeqCst)
        {
            continue; // timeout, EINTR, or a request to see to first
        }
        src.read(h, &mut buf);
        if let Some(m) = metrics {
            if let Ok((c, _)) = m.accept() {
                super::metrics::respond(c, &h.counters);
            }
        }
        h.flush();
    }
}

/// Asks the kernel to report the count of dropped datagrams with each one.
fn set_rxq_ovfl(fd: RawFd) -> bool {
    let one: libc::c_int = 1;
    // SAFETY: setsockopt reads a c_int of the size given.
    let r = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RXQ_OVFL,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    r == 0
}

/// Receives up to [`BURST`] datagrams from `fd`; `drops` takes the
/// kernel's count when it reports one.
fn datagrams(fd: RawFd, h: &mut Handler<'_>, buf: &mut [u8], mut drops: Option<&mut u64>) {
    for _ in 0..BURST {
        match recv(fd, &mut buf[..MAX_MESSAGE]) {
            Ok((n, trunc, d)) => {
                if let (Some(slot), Some(d)) = (drops.as_deref_mut(), d) {
                    *slot = d;
                }
                if trunc {
                    h.counters.received += 1;
                    h.counters.oversize += 1;
                } else {
                    h.message(&buf[..n]);
                }
            }
            Err(_) => return, // EAGAIN: nothing more now
        }
    }
}

/// One `recvmsg`: the length, whether the datagram was cut (longer than
/// `buf`), and the kernel's drop count if it sent one.
fn recv(fd: RawFd, buf: &mut [u8]) -> io::Result<(usize, bool, Option<u64>)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut control = [0u64; 8];
    // SAFETY: msghdr is plain data; all-zero is a valid empty value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: msg points at a live iovec over `buf` and a live control buffer.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_DONTWAIT) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut drops = None;
    // SAFETY: the CMSG macros walk the control buffer recvmsg filled, within
    // msg_controllen; the drop count is a u32 (read unaligned).
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SO_RXQ_OVFL {
                let v = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const u32);
                drops = Some(u64::from(v));
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Ok((n as usize, msg.msg_flags & libc::MSG_TRUNC != 0, drops))
}

/// Reads what `c` has now through its framer; false when the connection
/// ended (closed by the peer, an error, or broken framing).
fn stream(c: &mut TcpStream, f: &mut Framer, h: &mut Handler<'_>, buf: &mut [u8]) -> bool {
    let mut open = true;
    let mut total = 0;
    while total < BURST * 64 {
        match c.read(buf) {
            Ok(0) => {
                f.finish(&mut |e| event(h, e));
                return false;
            }
            Ok(n) => {
                total += n;
                f.push(&buf[..n], &mut |e| {
                    if e == Event::Malformed {
                        open = false;
                    }
                    event(h, e)
                });
                if !open {
                    return false;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(_) => {
                f.finish(&mut |e| event(h, e));
                return false;
            }
        }
    }
    true
}

fn event(h: &mut Handler<'_>, e: Event<'_>) {
    match e {
        Event::Message(m) => h.message(m),
        Event::Oversize => {
            h.counters.received += 1;
            h.counters.oversize += 1;
        }
        Event::Malformed => h.counters.malformed += 1,
    }
}
