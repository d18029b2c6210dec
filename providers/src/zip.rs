//! Just enough ZIP for numpy's `.npz`: read stored or deflated members through the central
//! directory, and write stored members.

use std::io::Read;

use flate2::read::DeflateDecoder;
use flate2::Crc;

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

pub fn is_zip(b: &[u8]) -> bool {
    b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06")
}

/// The names and contents of every member.
pub fn read_members(b: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
    let lo = b.len().saturating_sub(65_557);
    let eocd = (lo..b.len().saturating_sub(21))
        .rev()
        .find(|&i| b[i..].starts_with(b"PK\x05\x06"))
        .ok_or("no ZIP end-of-central-directory record (truncated file?)")?;
    let count = u16_at(b, eocd + 10).ok_or("short EOCD")? as usize;
    let mut at = u32_at(b, eocd + 16).ok_or("short EOCD")? as usize;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if u32_at(b, at) != Some(0x0201_4b50) {
            return Err(format!("bad central directory entry at byte {at}"));
        }
        let method = u16_at(b, at + 10).ok_or("short entry")?;
        let crc = u32_at(b, at + 16).ok_or("short entry")?;
        let csize = u32_at(b, at + 20).ok_or("short entry")? as usize;
        let usize_ = u32_at(b, at + 24).ok_or("short entry")? as usize;
        let nlen = u16_at(b, at + 28).ok_or("short entry")? as usize;
        let xlen = u16_at(b, at + 30).ok_or("short entry")? as usize;
        let clen = u16_at(b, at + 32).ok_or("short entry")? as usize;
        let local = u32_at(b, at + 42).ok_or("short entry")? as usize;
        let name = b.get(at + 46..at + 46 + nlen).ok_or("short entry name")?;
        let name = String::from_utf8_lossy(name).into_owned();
        at += 46 + nlen + xlen + clen;

        if u32_at(b, local) != Some(0x0403_4b50) {
            return Err(format!("{name}: bad local header"));
        }
        let lnlen = u16_at(b, local + 26).ok_or("short local header")? as usize;
        let lxlen = u16_at(b, local + 28).ok_or("short local header")? as usize;
        let start = local + 30 + lnlen + lxlen;
        let raw = b
            .get(start..start + csize)
            .ok_or_else(|| format!("{name}: member data runs past the end (truncated file?)"))?;
        let data = match method {
            0 => raw.to_vec(),
            8 => {
                let mut v = Vec::with_capacity(usize_);
                DeflateDecoder::new(raw)
                    .read_to_end(&mut v)
                    .map_err(|e| format!("{name}: {e}"))?;
                v
            }
            m => return Err(format!("{name}: unsupported compression method {m}")),
        };
        let mut c = Crc::new();
        c.update(&data);
        if data.len() != usize_ || c.sum() != crc {
            return Err(format!("{name}: CRC or size mismatch (corrupt file)"));
        }
        out.push((name, data));
    }
    Ok(out)
}

/// A ZIP archive of stored (uncompressed) members, as `numpy.savez` writes.
pub fn write_stored(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in members {
        let mut c = Crc::new();
        c.update(data);
        let crc = c.sum();
        let offset = out.len() as u32;
        let size = u32::try_from(data.len()).expect("npz member under 4 GiB");
        let nlen = name.len() as u16;
        // Local header: version 20, no flags, stored, time/date 0 (1980-01-01).
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&[0; 2 + 2 + 4]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&nlen.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&[0; 2 + 2 + 4]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&nlen.to_le_bytes());
        central.extend_from_slice(&[0; 2 + 2 + 2 + 2 + 4]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    let n = members.len() as u16;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_members_round_trip_and_corruption_is_caught() {
        let z = write_stored(&[("a.npy", b"hello"), ("b.npy", b"")]);
        assert!(is_zip(&z));
        let m = read_members(&z).unwrap();
        assert_eq!(m[0], ("a.npy".to_string(), b"hello".to_vec()));
        assert_eq!(m[1].1.len(), 0);
        let mut bad = z.clone();
        bad[30 + 5] ^= 1; // first byte of a.npy's data
        assert!(read_members(&bad).unwrap_err().contains("CRC"));
        assert!(read_members(&z[..z.len() - 10]).is_err());
    }
}
