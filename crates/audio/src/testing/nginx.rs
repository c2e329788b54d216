//! nginx on loopback, for the tests and benchmarks that put it beside or in front of Medley:
//! Debian's binary, one `server` block given by the caller, temporary files in a folder of
//! the caller's, stopped when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The nginx binary of tests (`MEDLEY_TEST_NGINX`, else `/usr/sbin/nginx`); `None` (the test
/// skips) where there is none, unless `MEDLEY_REQUIRE_NGINX=1` (CI), which makes it a failure.
pub fn nginx_binary() -> Option<String> {
    let path = std::env::var("MEDLEY_TEST_NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into());
    if Path::new(&path).exists() {
        return Some(path);
    }
    assert!(
        std::env::var("MEDLEY_REQUIRE_NGINX").as_deref() != Ok("1"),
        "MEDLEY_REQUIRE_NGINX=1 but there is no nginx at {path}"
    );
    eprintln!("skipped: no nginx at {path}");
    None
}

/// A running nginx.
pub struct Nginx {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    child: Child,
}

impl Nginx {
    /// Starts `program` with `workers` worker processes, `sendfile` on and no access log, on a
    /// free loopback port; `http` is added to its `http` block (upstreams), `server` is the
    /// inside of its one `server` block (after `listen`). Returns once it accepts connections.
    pub fn start(
        program: &str,
        work: &Path,
        workers: usize,
        http: &str,
        server: &str,
    ) -> std::io::Result<Nginx> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let prefix = work.join("nginx");
        std::fs::create_dir_all(prefix.join("logs"))?;
        // Its workers read the caller's private temporary folders: as root, they stay root.
        let user = if running_as_root() {
            "user root;\n"
        } else {
            ""
        };
        let conf = format!(
            "{user}worker_processes {workers};\n\
             daemon off;\n\
             pid {prefix}/nginx.pid;\n\
             error_log {prefix}/logs/error.log;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n\
               access_log off;\n\
               sendfile on;\n\
               tcp_nopush on;\n\
               keepalive_requests 100000;\n\
               types {{ audio/wav wav; }}\n\
               client_body_temp_path {prefix}/body;\n\
               proxy_temp_path {prefix}/proxy;\n\
               fastcgi_temp_path {prefix}/fastcgi;\n\
               uwsgi_temp_path {prefix}/uwsgi;\n\
               scgi_temp_path {prefix}/scgi;\n\
               {http}\n\
               server {{\n\
                 listen 127.0.0.1:{port};\n\
                 {server}\n\
               }}\n\
             }}\n",
            prefix = prefix.display(),
        );
        let path = prefix.join("nginx.conf");
        std::fs::write(&path, conf)?;
        let child = Command::new(program)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&path)
            .stdout(Stdio::null())
            .spawn()?;
        let mut nginx = Nginx {
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = nginx.child.try_wait()? {
                let log =
                    std::fs::read_to_string(prefix.join("logs/error.log")).unwrap_or_default();
                return Err(std::io::Error::other(format!(
                    "nginx exited ({status}): {log}"
                )));
            }
            if Instant::now() > deadline {
                return Err(std::io::Error::other(format!(
                    "nginx did not listen on {port}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(nginx)
    }
}

impl Drop for Nginx {
    /// Stops the master with SIGTERM, which stops its workers too (SIGKILL, what
    /// `Child::kill` sends, would leave them running); SIGKILL only if it has not gone in time.
    fn drop(&mut self) {
        // The shell's own `kill`: a `kill` program is not on every machine (procps).
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -TERM {}", self.child.id()))
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                _ => return,
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether this process runs as root.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
    })
}
