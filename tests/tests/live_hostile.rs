//! Live updates against a lying server: a proxy answers every long poll at once with
//! "changed". A watching device must not turn that into a busy loop of syncs (at most one a
//! second), and it keeps syncing correctly when the server is honest again.

use std::io::Read;
use std::time::Duration;

use solace_tests::device::Device;
use solace_tests::proxy::{Mode, Proxy};
use solace_tests::{Backend, TestServer};

#[test]
fn a_server_that_always_says_changed_gets_one_sync_a_second() {
    let server = TestServer::start(Backend::Sqlite, &[]);
    let proxy = Proxy::start(&server.url);
    let device = Device::new();
    device.init();
    device.register(&proxy.url, "ana");
    proxy.set_mode(Mode::AlwaysChanged);

    let mut watch = device.spawn(&["sync", "--watch"]);
    std::thread::sleep(Duration::from_secs(4));
    let _ = watch.kill();
    let _ = watch.wait();
    let mut out = String::new();
    watch
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("output");
    let syncs = out.lines().filter(|l| l.starts_with("sent ")).count();
    assert!(syncs >= 2, "it kept syncing: {out}");
    assert!(
        syncs <= 6,
        "{syncs} syncs in 4 s: the lie became a busy loop\n{out}"
    );
}
