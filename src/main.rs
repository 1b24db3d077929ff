//! The `crumbs` binary: parse the command line, run, exit with the code.

use clap::Parser;

fn main() {
    let cli = crumbs::cli::Cli::parse();
    let level = if cli.quiet {
        "error"
    } else {
        match cli.verbose {
            0 => "warn",
            1 => "crumbs=debug,warn",
            _ => "debug",
        }
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level))
        .format_timestamp(None)
        .init();
    let code = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt.block_on(async {
            tokio::select! {
                code = crumbs::app::run(cli) => code,
                _ = tokio::signal::ctrl_c() => {
                    eprintln!("crumbs: interrupted");
                    crumbs::app::EXIT_INTERRUPTED
                }
            }
        }),
        Err(e) => {
            eprintln!("crumbs: error: cannot start the async runtime: {e}");
            crumbs::app::EXIT_ERROR
        }
    };
    std::process::exit(code);
}
