//! c10d's ProcessGroupGloo through the C++ shim (`runtime/csrc/c10d_shim.cpp`). The shim
//! catches every C++ exception and hands back its message, so a peer that dies or never comes
//! is an error here after the timeout, never an abort.

use std::ffi::{c_char, c_int, c_void, CStr, CString};

use tch::Tensor;

use super::{describe_mismatch, kind_code, ClusterSpec, ProcessGroup};
use crate::train::error::TrainError;

extern "C" {
    #[allow(clippy::too_many_arguments)]
    fn pdl_c10d_new(
        host: *const c_char,
        port: c_int,
        rank: c_int,
        world: c_int,
        timeout_ms: c_int,
        all_clients: c_int,
        iface: *const c_char,
        bind_host: *const c_char,
        out: *mut *mut c_void,
        err: *mut *mut c_char,
    ) -> c_int;
    fn pdl_c10d_allreduce_sum(
        group: *mut c_void,
        tensor: *mut c_void,
        err: *mut *mut c_char,
    ) -> c_int;
    fn pdl_c10d_broadcast(
        group: *mut c_void,
        tensor: *mut c_void,
        root: c_int,
        err: *mut *mut c_char,
    ) -> c_int;
    fn pdl_c10d_barrier(group: *mut c_void, err: *mut *mut c_char) -> c_int;
    fn pdl_c10d_free(group: *mut c_void);
    fn pdl_c10d_free_message(message: *mut c_char);
}

pub struct Gloo {
    handle: *mut c_void,
    rank: usize,
    world_size: usize,
    /// Named in errors so the user knows where the run was meeting.
    master: String,
    timeout_s: u64,
}

// The c10d objects are thread-safe; the trainer uses the group from one thread at a time.
unsafe impl Send for Gloo {}

/// The shim's error message, freed.
fn take_message(err: *mut c_char) -> String {
    if err.is_null() {
        return "unknown error (no message)".into();
    }
    // SAFETY: the shim hands back a NUL-terminated malloc'd string or null.
    let msg = unsafe { CStr::from_ptr(err) }
        .to_string_lossy()
        .into_owned();
    unsafe { pdl_c10d_free_message(err) };
    msg
}

fn c_string(s: &str, what: &str) -> Result<CString, TrainError> {
    CString::new(s).map_err(|_| TrainError::Distributed(format!("{what} '{s}' contains a NUL")))
}

impl Gloo {
    pub fn connect(spec: &ClusterSpec) -> Result<Gloo, TrainError> {
        let master = format!("{}:{}", spec.master_addr, spec.master_port);
        let host = c_string(&spec.master_addr, "MASTER_ADDR")?;
        let iface = std::env::var("GLOO_SOCKET_IFNAME").unwrap_or_default();
        let iface = c_string(&iface, "GLOO_SOCKET_IFNAME")?;
        // On one machine the ranks meet on the master's (loopback) address; across machines
        // each binds to its own hostname unless GLOO_SOCKET_IFNAME names an interface.
        let bind = if is_loopback(&spec.master_addr) {
            spec.master_addr.clone()
        } else {
            hostname()
        };
        let bind = c_string(&bind, "the host name")?;
        let timeout_ms = spec.timeout.as_millis().min(i32::MAX as u128) as c_int;
        let mut handle = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        tracing::info!(
            "rank {} of {}: meeting the other ranks at {master} (timeout {} s)",
            spec.rank,
            spec.world_size,
            spec.timeout.as_secs()
        );
        // SAFETY: every pointer is valid for the call; the shim writes `handle` or `err`.
        let rc = unsafe {
            pdl_c10d_new(
                host.as_ptr(),
                c_int::from(spec.master_port),
                spec.rank as c_int,
                spec.world_size as c_int,
                timeout_ms,
                c_int::from(spec.agent_store),
                iface.as_ptr(),
                bind.as_ptr(),
                &mut handle,
                &mut err,
            )
        };
        if rc != 0 {
            return Err(TrainError::Distributed(format!(
                "rank {} of {} could not meet the other ranks at {master} within {} s: {}",
                spec.rank,
                spec.world_size,
                spec.timeout.as_secs(),
                first_line(&take_message(err))
            )));
        }
        Ok(Gloo {
            handle,
            rank: spec.rank,
            world_size: spec.world_size,
            master,
            timeout_s: spec.timeout.as_secs(),
        })
    }

    fn failed(&self, what: &str, err: *mut c_char) -> TrainError {
        TrainError::Distributed(format!(
            "rank {} of {}: {what} failed (another rank stopped, or did not answer within \
             {} s; master {}): {}",
            self.rank,
            self.world_size,
            self.timeout_s,
            self.master,
            first_line(&take_message(err))
        ))
    }

    /// Every rank's (element count, type) of what it is about to send; an error on mismatch.
    fn check_shapes(&self, t: &Tensor, what: &str) -> Result<(), TrainError> {
        let mine = (t.numel() as i64, kind_code(t.kind()));
        let mut slots = vec![0i64; 2 * self.world_size];
        slots[2 * self.rank] = mine.0;
        slots[2 * self.rank + 1] = mine.1;
        let mut header = Tensor::from_slice(&slots);
        let mut err = std::ptr::null_mut();
        // SAFETY: `header` is a live CPU tensor; tch's handle is the at::Tensor*.
        let rc = unsafe {
            pdl_c10d_allreduce_sum(self.handle, header.as_mut_ptr() as *mut c_void, &mut err)
        };
        if rc != 0 {
            return Err(self.failed(what, err));
        }
        let all: Vec<i64> = Vec::<i64>::try_from(&header)?;
        let all: Vec<(i64, i64)> = all.chunks(2).map(|c| (c[0], c[1])).collect();
        match describe_mismatch(self.rank, mine, &all) {
            None => Ok(()),
            Some(m) => Err(TrainError::Distributed(format!("{what}: {m}"))),
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

fn is_loopback(addr: &str) -> bool {
    addr == "localhost" || addr.starts_with("127.") || addr == "::1"
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut c_char, buf.len()) };
    if rc != 0 {
        return "127.0.0.1".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

impl ProcessGroup for Gloo {
    fn rank(&self) -> usize {
        self.rank
    }

    fn world_size(&self) -> usize {
        self.world_size
    }

    fn allreduce_sum(&self, t: &mut Tensor, what: &str) -> Result<(), TrainError> {
        check_cpu_contiguous(t, what)?;
        // The shape check is the first exchange, so it also absorbs the wait for the slowest
        // rank; the time after it is the transfer alone.
        let started = std::time::Instant::now();
        self.check_shapes(t, what)?;
        let checked = std::time::Instant::now();
        let mut err = std::ptr::null_mut();
        // SAFETY: `t` is a live contiguous CPU tensor; the collective writes into its storage.
        let rc =
            unsafe { pdl_c10d_allreduce_sum(self.handle, t.as_mut_ptr() as *mut c_void, &mut err) };
        if rc != 0 {
            return Err(self.failed(what, err));
        }
        tracing::trace!(
            "allreduce of {} values ({what}): {:.2} ms, after {:.2} ms waiting for the other ranks",
            t.numel(),
            checked.elapsed().as_secs_f64() * 1e3,
            (checked - started).as_secs_f64() * 1e3
        );
        Ok(())
    }

    fn broadcast(&self, t: &mut Tensor, root: usize, what: &str) -> Result<(), TrainError> {
        check_cpu_contiguous(t, what)?;
        self.check_shapes(t, what)?;
        let mut err = std::ptr::null_mut();
        // SAFETY: as in allreduce_sum.
        let rc = unsafe {
            pdl_c10d_broadcast(
                self.handle,
                t.as_mut_ptr() as *mut c_void,
                root as c_int,
                &mut err,
            )
        };
        if rc != 0 {
            return Err(self.failed(what, err));
        }
        Ok(())
    }

    fn barrier(&self, what: &str) -> Result<(), TrainError> {
        let mut err = std::ptr::null_mut();
        // SAFETY: the handle lives as long as self.
        let rc = unsafe { pdl_c10d_barrier(self.handle, &mut err) };
        if rc != 0 {
            return Err(self.failed(what, err));
        }
        Ok(())
    }
}

fn check_cpu_contiguous(t: &Tensor, what: &str) -> Result<(), TrainError> {
    if t.device() != tch::Device::Cpu || !t.is_contiguous() {
        return Err(TrainError::Distributed(format!(
            "{what}: the gloo group reduces contiguous CPU tensors only"
        )));
    }
    Ok(())
}

impl Drop for Gloo {
    fn drop(&mut self) {
        // SAFETY: the handle came from pdl_c10d_new and is freed once.
        unsafe { pdl_c10d_free(self.handle) };
    }
}
