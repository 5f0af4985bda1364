//! `secgear`: the command-line front end of secGear-rs.
#![forbid(unsafe_code)]

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
}

#[derive(Subcommand)]
enum EdlCommand {
    /// Parse and check an EDL file and everything it imports.
    Check {
        #[command(flatten)]
        input: EdlInput,
    },
    /// Generate the Rust bindings of one side.
    Gen {
        /// Which side of the boundary: `host` or `enclave`.
        #[arg(long)]
        side: Side,
        #[command(flatten)]
        input: EdlInput,
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
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
    let cli = match Cli::try_parse() {
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
    }
}

fn edl(cmd: EdlCommand) -> ExitCode {
    let (input, gen_side, output) = match &cmd {
        EdlCommand::Check { input } => (input, None, None),
        EdlCommand::Gen {
            side,
            input,
            output,
        } => (input, Some(*side), output.clone()),
    };
    let compiled = match input.compile() {
        Ok(c) => c,
        Err(code) => return code,
    };
    eprint!("{}", compiled.render_diagnostics());
    if compiled.has_errors() {
        eprintln!(
            "{} error(s) in {}",
            compiled.diagnostics.error_count(),
            input.file.display()
        );
        return ExitCode::from(1);
    }
    let Some(side) = gen_side else {
        println!("ok: {}", compiled.summary());
        return ExitCode::SUCCESS;
    };
    let options = GenOptions {
        source_name: input
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
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
        None => print!("{code}"),
        Some(path) => {
            if let Err(e) = secgear_edl::write_file_atomically(&path, code.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}
