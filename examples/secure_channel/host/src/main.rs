//! The secure-channel example: two processes over TCP on loopback.
//!
//! - `secure_channel server`: the untrusted server. It hosts the enclave
//!   and relays bytes between clients and it; it holds no keys, and its log
//!   shows what it sees: ciphertext.
//! - `secure_channel client <port>`: the data owner. It attests the enclave
//!   through the channel's handshake (the platform key as trust anchor, the
//!   enclave measurement the build produced as reference value), sends
//!   numbers, and reads the sums.
//! - `secure_channel` (no arguments): starts a server process and runs a client against it.
#![forbid(unsafe_code)]

use secgear_channel::{ChannelHost, ClientChannel, ClientConfig, Event, Route, wire};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};

mod edl {
    secgear_abi::include_host!("secure_channel");
}

secgear_host::include_enclave_image!();

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("server") => server(),
        Some("client") => match args.get(2).and_then(|p| p.parse().ok()) {
            Some(port) => client(port),
            None => Err("usage: secure_channel client <port>".into()),
        },
        None => demo(),
        Some(other) => Err(format!("unknown command {other:?}").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads one frame from a stream (its length is in its header).
fn read_frame(stream: &mut impl Read) -> Result<Option<Vec<u8>>, Failure> {
    let mut frame = vec![0u8; wire::FRAME_HEADER];
    match stream.read_exact(&mut frame) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = wire::frame_len(&frame)?.ok_or("short header")?;
    frame.resize(len, 0);
    stream.read_exact(&mut frame[wire::FRAME_HEADER..])?;
    Ok(Some(frame))
}

fn preview(frame: &[u8]) -> String {
    hex::encode(&frame[..frame.len().min(40)])
}

fn server() -> Result<(), Failure> {
    let enclave = Arc::new(
        secgear_host::Enclave::builder(ENCLAVE_IMAGE)
            .tee(secgear_host::TeeType::Sim)
            .debug(true)
            .create()?,
    );
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("listening on {}", listener.local_addr()?.port());
    std::io::stdout().flush()?;
    let host = Arc::new(Mutex::new(ChannelHost::init()));
    for (conn, stream) in (0u64..).zip(listener.incoming()) {
        let (enclave, host) = (enclave.clone(), host.clone());
        let stream = stream?;
        std::thread::spawn(move || {
            if let Err(e) = serve_connection(conn, stream, &enclave, &host) {
                eprintln!("[host] connection {conn}: {e}");
            }
            if let Ok(mut h) = host.lock() {
                h.fini(conn);
            }
        });
    }
    Ok(())
}

fn serve_connection(
    conn: u64,
    mut stream: TcpStream,
    enclave: &secgear_host::Enclave,
    host: &Mutex<ChannelHost>,
) -> Result<(), Failure> {
    let client = edl::Client::new(enclave);
    // One buffer for the enclave's replies, not 1 MiB made and zeroed per record.
    let mut out = vec![0u8; 1 << 20];
    while let Some(frame) = read_frame(&mut stream)? {
        eprintln!(
            "[host] conn {conn} → enclave, {} bytes: {}…",
            frame.len(),
            preview(&frame)
        );
        let route = host
            .lock()
            .map_err(|_| "poisoned")?
            .callback(conn, &frame)?;
        let reply = match route {
            Route::Handshake => {
                let reply = enclave.channel_handshake(&frame)?;
                for f in wire::split(&reply)? {
                    host.lock().map_err(|_| "poisoned")?.note_reply(conn, f);
                }
                reply
            }
            Route::Record(_) => {
                let mut len = 0usize;
                let status = client.process(&frame, &mut out, &mut len)?;
                if status == 1 {
                    eprintln!("[host] conn {conn}: the client closed its session");
                    return Ok(());
                }
                if status != 0 {
                    return Err(format!("the enclave refused a record ({status:#x})").into());
                }
                out.get(..len)
                    .ok_or("the enclave reported more bytes than its buffer holds")?
                    .to_vec()
            }
        };
        if !reply.is_empty() {
            eprintln!(
                "[host] enclave → conn {conn}, {} bytes: {}…",
                reply.len(),
                preview(&reply)
            );
            stream.write_all(&reply)?;
        }
    }
    Ok(())
}

/// The client's trust: this machine's sim platform key, and the measurement
/// the build recorded for the enclave.
fn verifier() -> Result<secgear_channel::AppraisalVerifier, Failure> {
    use secgear_attest::reference::ReferenceValue;
    let platform = secgear_host::SimPlatform::open_default()?;
    let mut anchors = secgear_attest::TrustAnchors::default();
    anchors.add_sim_key(platform.public_key().to_sec1_bytes().to_vec());
    let mut refs = secgear_attest::ReferenceValues::new();
    refs.add(ReferenceValue::new(
        "sim.measurement",
        serde_json::json!(ENCLAVE_MEASUREMENT_HEX),
    ))?;
    Ok(secgear_channel::AppraisalVerifier {
        // Simulated evidence is affirmed only in development mode.
        appraiser: secgear_attest::Appraiser::new(anchors, refs, secgear_attest::Mode::Development),
        tee: secgear_attest::TeeKind::Sim,
    })
}

fn client(port: u16) -> Result<(), Failure> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    let mut channel = ClientChannel::new(ClientConfig::new(Box::new(verifier()?)))?;
    stream.write_all(&channel.start()?)?;
    loop {
        let frame = read_frame(&mut stream)?.ok_or("the server hung up during the handshake")?;
        match channel.handle_message(&frame)? {
            Event::Send(frames) => stream.write_all(&frames.concat())?,
            Event::Established(frames) => {
                stream.write_all(&frames.concat())?;
                break;
            }
            other => return Err(format!("unexpected {other:?} during the handshake").into()),
        }
    }
    println!("client: enclave {ENCLAVE_MEASUREMENT_HEX} attested; channel established");
    for numbers in [vec![1u64, 2, 3], vec![40, 2], (1..=1000).collect()] {
        let bytes: Vec<u8> = numbers.iter().flat_map(|n| n.to_le_bytes()).collect();
        stream.write_all(&channel.encrypt(&bytes)?.concat())?;
        let answer = loop {
            let frame = read_frame(&mut stream)?.ok_or("the server hung up")?;
            if let Some(message) = channel.decrypt(&frame)? {
                break message;
            }
        };
        println!(
            "client: sent {} numbers, enclave says {}",
            numbers.len(),
            String::from_utf8_lossy(&answer)
        );
    }
    stream.write_all(&channel.close()?)?;
    Ok(())
}

fn demo() -> Result<(), Failure> {
    let exe = std::env::current_exe()?;
    let mut server = Command::new(&exe)
        .arg("server")
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = server.stdout.take().ok_or("no server stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let port: u16 = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("unexpected server output {line:?}"))?;
    let outcome = client(port);
    let _ = server.kill();
    let _ = server.wait();
    outcome
}
