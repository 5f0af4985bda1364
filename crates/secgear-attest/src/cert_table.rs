//! The certificate table of an SEV-SNP extended report (GHCB layout).

/// A GUID as the certificate table stores it (EFI byte order).
const fn guid(a: u32, b: u16, c: u16, d: [u8; 8]) -> [u8; 16] {
    let a = a.to_le_bytes();
    let b = b.to_le_bytes();
    let c = c.to_le_bytes();
    [
        a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d[0], d[1], d[2], d[3], d[4], d[5], d[6],
        d[7],
    ]
}

const VCEK_GUID: [u8; 16] = guid(
    0x63da758d,
    0xe664,
    0x4564,
    [0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd],
);
const VLEK_GUID: [u8; 16] = guid(
    0xa8074bc2,
    0xa25a,
    0x483e,
    [0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1],
);
const ASK_GUID: [u8; 16] = guid(
    0x4ab7b379,
    0xbbac,
    0x4fe4,
    [0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82],
);
const ARK_GUID: [u8; 16] = guid(
    0xc0b406a4,
    0xa803,
    0x4952,
    [0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae],
);

/// The certificates of an extended report's certificate table (the GHCB
/// layout configfs-tsm returns as `auxblob`: `{GUID, offset, length}`
/// entries up to an all-zero one, offsets from the table's start), leaf
/// (VCEK or VLEK) first, then ASK / ASVK, then ARK. Unknown GUIDs are skipped.
pub fn certificate_table(table: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut found: Vec<(u8, Vec<u8>)> = Vec::new();
    for i in 0.. {
        let entry = table
            .get(i * 24..i * 24 + 24)
            .ok_or("certificate table without its terminating entry")?;
        let (id, rest) = entry.split_at(16);
        if id.iter().all(|b| *b == 0) {
            break;
        }
        let field = |at: usize| -> Option<usize> {
            Some(u32::from_le_bytes(rest.get(at..at + 4)?.try_into().ok()?) as usize)
        };
        let (offset, length) = field(0).zip(field(4)).ok_or("certificate table entry")?;
        let rank = match <[u8; 16]>::try_from(id).unwrap_or_default() {
            VCEK_GUID | VLEK_GUID => 0,
            ASK_GUID => 1,
            ARK_GUID => 2,
            _ => continue,
        };
        let der = offset
            .checked_add(length)
            .and_then(|end| table.get(offset..end))
            .ok_or_else(|| format!("certificate table entry {i} points outside the table"))?;
        found.push((rank, der.to_vec()));
    }
    found.sort_by_key(|(rank, _)| *rank);
    Ok(found.into_iter().map(|(_, der)| der).collect())
}

/// Builds a certificate table (for tests and tools): VCEK, ASK, ARK.
pub fn encode_certificate_table(vcek: &[u8], ask: Option<&[u8]>, ark: Option<&[u8]>) -> Vec<u8> {
    let certs: Vec<([u8; 16], &[u8])> = [(VCEK_GUID, Some(vcek)), (ASK_GUID, ask), (ARK_GUID, ark)]
        .into_iter()
        .filter_map(|(g, c)| c.map(|c| (g, c)))
        .collect();
    let header = (certs.len() + 1) * 24;
    let mut table = Vec::new();
    let mut offset = header;
    for (g, c) in &certs {
        table.extend_from_slice(g);
        table.extend_from_slice(&(offset as u32).to_le_bytes());
        table.extend_from_slice(&(c.len() as u32).to_le_bytes());
        offset += c.len();
    }
    table.extend_from_slice(&[0; 24]);
    for (_, c) in &certs {
        table.extend_from_slice(c);
    }
    table
}
