//! `secgear`: the command-line front end of secGear-rs.
#![forbid(unsafe_code)]

mod sdk;
mod service;

use clap::{Args, Parser, Subcommand};
use secgear_edl::{Define, GenOptions, Options, Side};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "secgear",
    version,
    about = "secGear-rs: unified confidential-computing toolkit"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Enclave description language (EDL) tools.
    #[command(subcommand)]
    Edl(EdlCommand),
    /// Create an ECDSA P-384 signing key (PKCS#8 PEM, owner-only permissions).
    Keygen {
        #[arg(short, long)]
        output: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Sign an enclave executable with its configuration.
    Sign {
        #[arg(long)]
        key: PathBuf,
        /// The enclave configuration (enclave.toml).
        #[arg(long)]
        config: PathBuf,
        /// The unsigned enclave executable.
        image: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Print the measurement of an enclave image (hex).
    Measure {
        /// Configuration for an unsigned image (a signed one carries its own).
        #[arg(long)]
        config: Option<PathBuf>,
        image: PathBuf,
    },
    /// Verify a signed image and print what it was signed as.
    Inspect { image: PathBuf },
    /// Remote attestation.
    #[command(subcommand)]
    Attest(AttestCommand),
    /// The attestation service: run it, administer it.
    #[command(subcommand, name = "as")]
    As(service::AsCommand),
    /// The attestation agent.
    #[command(subcommand)]
    Agent(service::AgentCommand),
    /// The C SDK: headers, libraries, pkg-config files.
    #[command(subcommand)]
    Sdk(SdkCommand),
}

#[derive(Subcommand)]
enum SdkCommand {
    /// Install the C SDK under a prefix (DIR/include/secGear, DIR/lib, DIR/lib/pkgconfig).
    Install {
        #[arg(long)]
        prefix: PathBuf,
    },
}

#[derive(Subcommand)]
enum AttestCommand {
    /// Verify evidence and appraise it: prints the appraisal as JSON. Exit 0
    /// when affirming, 1 when valid but not affirming, 2 when malformed.
    Verify(Box<VerifyArgs>),
    /// Print this machine's simulation platform public key (PEM), the trust
    /// anchor for its simulated evidence.
    PlatformKey {
        /// The platform state directory (default: the simulation TEE's).
        #[arg(long)]
        state_dir: Option<PathBuf>,
    },
    /// Parse a TCG2 crypto-agile event log (UEFI, or TDX's CCEL table at
    /// /sys/firmware/acpi/tables/data/CCEL) and print its events and the
    /// registers they replay to, as JSON. Exit 2 when malformed.
    EventLog {
        /// The log file.
        file: PathBuf,
    },
}

#[derive(Args)]
struct VerifyArgs {
    #[arg(long)]
    tee: secgear_attest::TeeKind,
    /// Evidence: raw binary, hex or base64 text (auto-detected).
    #[arg(long)]
    evidence: PathBuf,
    /// Trust anchors: this project's JSON, rust-ccatoken `ta.json`, a JWK,
    /// PEM certificates or a PEM public key (repeatable).
    #[arg(long = "trust-anchors")]
    trust_anchors: Vec<PathBuf>,
    /// The challenge the evidence must carry (hex).
    #[arg(long)]
    nonce: Option<String>,
    /// Reference values: this project's JSON or rust-ccatoken `rv.json`.
    #[arg(long)]
    reference: Option<PathBuf>,
    /// A Rego appraisal policy instead of the TEE's default.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Sign the result as an EAR token with this PKCS#8 PEM key (P-256, P-384 or RSA).
    #[arg(long = "token-key")]
    token_key: Option<PathBuf>,
    /// Appraise simulated evidence as a development machine would (never in production).
    #[arg(long)]
    allow_simulation: bool,
    /// SGX / TDX: Intel collateral JSON (PCK CRLs, TCB info, QE identity).
    #[arg(long)]
    collateral: Option<PathBuf>,
    /// PEM or DER certificates sent with the evidence: the PCK chain (SGX /
    /// TDX), or the VCEK / VLEK alone or with its chain (SNP).
    #[arg(long = "cert-chain")]
    cert_chain: Option<PathBuf>,
    /// A TCG2 event log (UEFI / CCEL) to replay against the registers.
    #[arg(long = "event-log")]
    event_log: Option<PathBuf>,
    /// A binary ima-ng runtime measurement log.
    #[arg(long = "ima-log")]
    ima_log: Option<PathBuf>,
    /// Appraise as of this time (RFC 3339) instead of now.
    #[arg(long)]
    now: Option<String>,
}

#[derive(Subcommand)]
enum EdlCommand {
    /// Parse and check an EDL file and everything it imports.
    Check {
        #[command(flatten)]
        input: EdlInput,
    },
    /// Generate the bindings of one side, in Rust or C.
    Gen {
        /// Which side of the boundary: `host` or `enclave`.
        #[arg(long)]
        side: Side,
        /// The language of the bindings: `rust`, or `c` (the files the
        /// original secGear generator writes: X_u.h/X_u.c for the host,
        /// X_t.h/X_t.c for the enclave).
        #[arg(long, value_enum, default_value_t = Lang::Rust)]
        lang: Lang,
        #[command(flatten)]
        input: EdlInput,
        /// Rust: write the file here instead of standard output. C: the
        /// directory to write the two files into (default: the current one).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// The original secGear generator's command line: C for the trusted
    /// and/or untrusted side (both when neither is named).
    Codegen(CodegenArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Lang {
    Rust,
    C,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("backend").required(true).args(["trustzone", "sgx", "penglai"])))]
struct CodegenArgs {
    /// Arm TrustZone (iTrustee); accepted for compatibility, the output is the same.
    #[arg(long)]
    trustzone: bool,
    /// Intel SGX; accepted for compatibility, the output is the same.
    #[arg(long)]
    sgx: bool,
    /// RISC-V Penglai; accepted for compatibility, the output is the same.
    #[arg(long)]
    penglai: bool,
    /// Generate the enclave side (X_t.h, X_t.c).
    #[arg(long)]
    trusted: bool,
    /// Generate the host side (X_u.h, X_u.c).
    #[arg(long)]
    untrusted: bool,
    /// Directories searched for imported EDL files (repeatable; each may
    /// list several, separated by `:`).
    #[arg(long = "search-path", value_name = "DIR")]
    search_paths: Vec<String>,
    /// Where the enclave side's files go.
    #[arg(long = "trusted-dir", value_name = "DIR", default_value = ".")]
    trusted_dir: PathBuf,
    /// Where the host side's files go.
    #[arg(long = "untrusted-dir", value_name = "DIR", default_value = ".")]
    untrusted_dir: PathBuf,
    /// Write only the headers.
    #[arg(long = "header-only")]
    header_only: bool,
    /// The EDL file.
    file: PathBuf,
}

#[derive(Args)]
struct EdlInput {
    /// Directory to search for imported EDL files (repeatable, searched in order).
    #[arg(short = 'I', long = "search-path", value_name = "DIR")]
    search_paths: Vec<PathBuf>,
    /// Define a preprocessor macro (repeatable).
    #[arg(short = 'D', value_name = "NAME[=VALUE]", value_parser = Define::parse)]
    defines: Vec<Define>,
    /// The EDL file.
    file: PathBuf,
}

impl EdlInput {
    fn compile(&self) -> Result<secgear_edl::Compiled, ExitCode> {
        let options = Options {
            search_paths: self.search_paths.clone(),
            defines: self.defines.clone(),
        };
        secgear_edl::compile_file(&self.file, &options).map_err(|e| {
            eprintln!("error: cannot read {}: {e}", self.file.display());
            ExitCode::from(2)
        })
    }
}

fn main() -> ExitCode {
    // The application's choice for every TLS client and server in this
    // process (the admin client, the agent, the service): aws-lc-rs. The
    // libraries use the installed default and install none themselves.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = match Cli::try_parse_from(arguments()) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Edl(cmd) => edl(cmd),
        Command::Sdk(SdkCommand::Install { prefix }) => match sdk::install(&prefix) {
            Ok(files) => {
                println!("installed {} files under {}", files.len(), prefix.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Keygen { output, force } => keygen(&output, force),
        Command::Sign {
            key,
            config,
            image,
            output,
        } => sign(&key, &config, &image, &output),
        Command::Measure { config, image } => measure(config.as_deref(), &image),
        Command::Inspect { image } => inspect(&image),
        Command::Attest(AttestCommand::Verify(args)) => attest_verify(&args),
        Command::Attest(AttestCommand::PlatformKey { state_dir }) => {
            platform_key(state_dir.as_deref())
        }
        Command::Attest(AttestCommand::EventLog { file }) => event_log(&file),
        Command::As(cmd) => service::run_as(cmd),
        Command::Agent(cmd) => service::run_agent(cmd),
    }
}

/// The command line; run as `codegen` (or `codegen_<arch>`, the original
/// generator's names, through a link), it is `secgear edl codegen`.
fn arguments() -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let invoked_as_codegen = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == "codegen" || n.starts_with("codegen_"));
    if invoked_as_codegen {
        args.splice(0..1, ["secgear", "edl", "codegen"].map(Into::into));
    }
    args
}

fn platform_key(state_dir: Option<&std::path::Path>) -> ExitCode {
    use p384::pkcs8::EncodePublicKey;
    let platform = match state_dir {
        Some(dir) => secgear_host::SimPlatform::open(dir),
        None => secgear_host::SimPlatform::open_default(),
    };
    let platform = match platform {
        Ok(p) => p,
        Err(e) => return fail(2, e),
    };
    match platform
        .public_key()
        .to_public_key_pem(p384::pkcs8::LineEnding::LF)
    {
        Ok(pem) => {
            emit(&pem);
            ExitCode::SUCCESS
        }
        Err(e) => fail(2, e),
    }
}

fn token_signer(path: &std::path::Path) -> Result<secgear_attest::token::TokenSigner, ExitCode> {
    let pem = zeroize::Zeroizing::new(read(path)?);
    secgear_attest::token::TokenSigner::from_pkcs8_pem(&pem)
        .map_err(|e| fail(2, format!("{}: {e}", path.display())))
}

fn event_log(file: &std::path::Path) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("secgear: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    match secgear_attest::eventlog::parse(&bytes) {
        Ok(log) => {
            println!("{:#}", log.to_json());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("secgear: {}: {e}", file.display());
            ExitCode::from(2)
        }
    }
}

fn attest_verify(args: &VerifyArgs) -> ExitCode {
    match run_verify(args) {
        Ok(code) | Err(code) => code,
    }
}

fn run_verify(args: &VerifyArgs) -> Result<ExitCode, ExitCode> {
    use secgear_attest::{Appraiser, Clock, Freshness, Mode, ReferenceValues, TrustAnchors};
    let evidence = with_supplements(args, read(&args.evidence)?)?;
    let mut anchors = TrustAnchors::default();
    for path in &args.trust_anchors {
        anchors.load_file(args.tee, path).map_err(|e| fail(2, e))?;
    }
    let mut references = ReferenceValues::new();
    if let Some(path) = &args.reference {
        let text = String::from_utf8(read(path)?)
            .map_err(|_| fail(2, format!("{} is not UTF-8", path.display())))?;
        references.import_json(&text).map_err(|e| fail(2, e))?;
    }
    let freshness = match &args.nonce {
        None => Freshness::Unchecked,
        Some(h) => Freshness::Challenge(hex::decode(h).map_err(|_| fail(2, "--nonce is not hex"))?),
    };
    let mode = if args.allow_simulation {
        Mode::Development
    } else {
        Mode::Production
    };
    let mut appraiser = Appraiser::new(anchors, references, mode);
    if let Some(now) = &args.now {
        let at = time::OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339)
            .map_err(|e| fail(2, format!("--now `{now}`: {e}")))?;
        appraiser.clock = Clock::Fixed(at);
    }
    if let Some(key) = &args.token_key {
        appraiser = appraiser.with_signer(token_signer(key)?);
    }
    let policy_id = match &args.policy {
        None => None,
        Some(path) => {
            let source = String::from_utf8(read(path)?)
                .map_err(|_| fail(2, format!("{} is not UTF-8", path.display())))?;
            appraiser
                .policies
                .add("custom", &source)
                .map_err(|e| fail(2, e))?;
            Some("custom")
        }
    };
    let appraisal = match appraiser.appraise(args.tee, &evidence, &freshness, policy_id) {
        Ok(a) => a,
        Err(secgear_attest::appraise::AppraiseError::Evidence(e)) => return Err(fail(2, e)),
        Err(e) => return Err(fail(2, e)),
    };
    let mut out = serde_json::to_value(&appraisal).map_err(|e| fail(2, e))?;
    if args.token_key.is_some() {
        let nonce = match &freshness {
            Freshness::Challenge(n) => Some(n.as_slice()),
            Freshness::Unchecked => None,
        };
        let token = appraiser
            .issue_token(std::slice::from_ref(&appraisal), nonce, None)
            .map_err(|e| fail(2, e))?;
        if let Some(obj) = out.as_object_mut() {
            obj.insert("token".into(), token.into());
        }
    }
    emit(&format!(
        "{}\n",
        serde_json::to_string_pretty(&out).map_err(|e| fail(2, e))?
    ));
    Ok(
        if appraisal.status == secgear_attest::policy::Status::Affirming {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

/// The evidence, wrapped in an envelope with whatever the flags add.
fn with_supplements(args: &VerifyArgs, bytes: Vec<u8>) -> Result<Vec<u8>, ExitCode> {
    use secgear_attest::envelope::{Envelope, certificates};
    let supplemented = args.collateral.is_some()
        || args.cert_chain.is_some()
        || args.event_log.is_some()
        || args.ima_log.is_some();
    if !supplemented {
        return Ok(secgear_attest::encoding::decode_evidence(&bytes));
    }
    let mut envelope = Envelope::parse(args.tee, &bytes).map_err(|e| fail(2, e))?;
    if let Some(path) = &args.collateral {
        let collateral = secgear_attest::collateral::IntelCollateral::from_json(&read(path)?)
            .map_err(|e| fail(2, format!("{}: {e}", path.display())))?;
        envelope.collateral = Some(collateral);
    }
    if let Some(path) = &args.cert_chain {
        envelope.cert_chain =
            certificates(&read(path)?).map_err(|e| fail(2, format!("{}: {e}", path.display())))?;
    }
    if let Some(path) = &args.event_log {
        envelope.event_log = Some(read(path)?);
    }
    if let Some(path) = &args.ima_log {
        envelope.ima_log = Some(read(path)?);
    }
    serde_json::to_vec(&envelope.to_json()).map_err(|e| fail(2, e))
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn emit(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Prints an error and maps it to an exit code: 1 for a verdict (bad
/// signature, tampering), 2 for usage and I/O problems.
fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| fail(2, format!("cannot read {}: {e}", path.display())))
}

fn keygen(output: &std::path::Path, force: bool) -> ExitCode {
    if output.exists() && !force {
        return fail(
            2,
            format!("{} exists; pass --force to replace it", output.display()),
        );
    }
    let key = match secgear_sign::generate_key() {
        Ok(k) => k,
        Err(e) => return fail(2, e),
    };
    if let Err(e) = secgear_sign::save_key(&key, output) {
        return fail(2, e);
    }
    println!(
        "signer id: {}",
        hex::encode(secgear_sign::signer_id(key.verifying_key()))
    );
    ExitCode::SUCCESS
}

fn sign(
    key: &std::path::Path,
    config: &std::path::Path,
    image: &std::path::Path,
    output: &std::path::Path,
) -> ExitCode {
    let key = match secgear_sign::load_key(key) {
        Ok(k) => k,
        Err(e) => return fail(2, e),
    };
    let config = match secgear_sign::Config::load(config) {
        Ok(c) => c,
        Err(e) => return fail(2, e),
    };
    let executable = match read(image) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let signed = match secgear_sign::sign(&executable, &config, &key) {
        Ok(s) => s,
        Err(e) => return fail(1, e),
    };
    if let Err(e) = secgear_edl::write_file_atomically(output, &signed) {
        return fail(2, format!("cannot write {}: {e}", output.display()));
    }
    set_executable(output);
    println!(
        "measurement: {}",
        hex::encode(secgear_sign::measure(&executable, &config))
    );
    ExitCode::SUCCESS
}

/// A signed image is still the executable it was; keep it runnable.
fn set_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
}

fn measure(config: Option<&std::path::Path>, image: &std::path::Path) -> ExitCode {
    let bytes = match read(image) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let (executable, config) = match (secgear_sign::verify(&bytes), config) {
        (Ok(signed), None) => (signed.executable, signed.config),
        (Err(secgear_sign::SignError::Unsigned), Some(path)) => {
            match secgear_sign::Config::load(path) {
                Ok(c) => (bytes, c),
                Err(e) => return fail(2, e),
            }
        }
        (Err(secgear_sign::SignError::Unsigned), None) => {
            return fail(
                2,
                "the image is not signed: pass --config with its enclave.toml",
            );
        }
        (Ok(_), Some(_)) => {
            return fail(2, "a signed image carries its configuration: drop --config");
        }
        (Err(e), _) => return fail(1, e),
    };
    println!(
        "{}",
        hex::encode(secgear_sign::measure(&executable, &config))
    );
    ExitCode::SUCCESS
}

fn inspect(image: &std::path::Path) -> ExitCode {
    let bytes = match read(image) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let signed = match secgear_sign::verify(&bytes) {
        Ok(s) => s,
        Err(e) => return fail(1, e),
    };
    let c = signed.config;
    println!("measurement:      {}", hex::encode(signed.measurement));
    println!("signer id:        {}", hex::encode(signed.signer_id));
    println!("product id:       {}", c.product_id);
    println!("security version: {}", c.security_version);
    println!("debug:            {}", c.debug);
    println!("threads:          {}", c.threads);
    println!("heap limit:       {}", c.heap_limit);
    ExitCode::SUCCESS
}

fn edl(cmd: EdlCommand) -> ExitCode {
    let (input, gen_side, lang, output) = match cmd {
        EdlCommand::Codegen(args) => return codegen(&args),
        EdlCommand::Check { input } => (input, None, Lang::Rust, None),
        EdlCommand::Gen {
            side,
            lang,
            input,
            output,
        } => (input, Some(side), lang, output),
    };
    let compiled = match input.compile() {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(code) = report(&compiled, &input.file) {
        return code;
    }
    let Some(side) = gen_side else {
        println!("ok: {}", compiled.summary());
        return ExitCode::SUCCESS;
    };
    if lang == Lang::C {
        let dir = output.unwrap_or_else(|| PathBuf::from("."));
        return write_c(&compiled, &input.file, side, &dir, false);
    }
    let options = GenOptions {
        source_name: file_name(&input.file),
        ..GenOptions::default()
    };
    let code = match compiled.generate(side, &options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    match output {
        None => emit(&code),
        Some(path) => {
            if let Err(e) = secgear_edl::write_file_atomically(&path, code.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}

/// Prints the diagnostics; errors stop the command with exit code 1.
fn report(compiled: &secgear_edl::Compiled, file: &std::path::Path) -> Result<(), ExitCode> {
    eprint!("{}", compiled.render_diagnostics());
    if compiled.has_errors() {
        eprintln!(
            "{} error(s) in {}",
            compiled.diagnostics.error_count(),
            file.display()
        );
        return Err(ExitCode::from(1));
    }
    Ok(())
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Writes one side's C files into `dir`, each atomically.
fn write_c(
    compiled: &secgear_edl::Compiled,
    edl: &std::path::Path,
    side: Side,
    dir: &std::path::Path,
    header_only: bool,
) -> ExitCode {
    let options = secgear_edl::CGenOptions {
        stem: edl
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        source_name: file_name(edl),
    };
    let files = match compiled.generate_c(side, &options) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    // `-o gen` names a directory the build script need not have made.
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    let mut outputs = vec![(&files.header_name, &files.header)];
    if !header_only {
        outputs.push((&files.source_name, &files.source));
    }
    for (name, text) in outputs {
        let path = dir.join(name);
        if let Err(e) = secgear_edl::write_file_atomically(&path, text.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn codegen(args: &CodegenArgs) -> ExitCode {
    let options = Options {
        search_paths: args
            .search_paths
            .iter()
            .flat_map(|p| p.split(':'))
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect(),
        defines: Vec::new(),
    };
    let compiled = match secgear_edl::compile_file(&args.file, &options) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    if let Err(code) = report(&compiled, &args.file) {
        return code;
    }
    // Like the original: neither side named means both.
    let both = !args.trusted && !args.untrusted;
    let sides = [
        (args.trusted || both, Side::Enclave, &args.trusted_dir),
        (args.untrusted || both, Side::Host, &args.untrusted_dir),
    ];
    for (_, side, dir) in sides.into_iter().filter(|(wanted, _, _)| *wanted) {
        let code = write_c(&compiled, &args.file, side, dir, args.header_only);
        if code != ExitCode::SUCCESS {
            return code;
        }
    }
    ExitCode::SUCCESS
}
