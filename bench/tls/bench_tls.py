#!/usr/bin/python3
"""What TLS on an inherited listener costs (docs/architecture.md, "TLS").

Runs bench_server (bench/tls/bench_server.c) in four ways and drives it
with h2load (nghttp2's load generator, an independent HTTP/2 client):

  plain       our acceptor + grpc_server_add_channel_from_fd (no TLS)
  tls         our acceptor + grpc's TLS handshake via worker_tls.c
  grpc-tls    grpc binds the port itself with SSL server credentials
  grpc-plain  grpc binds the port itself, insecure

For each: unary calls on one connection with 1 and with 16 concurrent
streams (requests per second, p50 and p99 latency from h2load's per-request
log), and new connections each making one call (mean time to the first
response byte, which includes the TCP and TLS handshakes). Every mode runs
--rounds times, interleaved with the others, and the median is printed.

Figures are printed, not asserted. Usage:
  bench_tls.py BENCH_SERVER [--requests N] [--connections N]
"""
import argparse
import os
import subprocess
import sys
import tempfile

MODES = ["plain", "tls", "grpc-tls", "grpc-plain"]


def make_certificates(d):
    """A CA and a server certificate for 127.0.0.1, made with openssl."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, cwd=d,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "2", "-subj", "/CN=bench-ca", "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "ext", "-out", "server.pem")
    return os.path.join(d, "server.pem"), os.path.join(d, "server.key")


def h2load(url, body, log, requests, clients, streams):
    """Runs h2load; returns its stdout."""
    args = ["h2load", "-n", str(requests), "-c", str(clients), "-m", str(streams),
            "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers",
            "--log-file", log, url]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    if " 0 errored" not in out or " 0 failed" not in out:
        sys.exit("h2load reported failures:\n" + out)
    return out


def latencies_us(log):
    """Per-request durations in microseconds from an h2load log file."""
    with open(log) as f:
        return sorted(int(line.split("\t")[2]) for line in f if line.strip())


def percentile(values, p):
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def field(out, name):
    """The mean of an h2load summary line ('time to 1st byte: min max mean')."""
    for line in out.splitlines():
        if line.strip().startswith(name):
            return line.split()[len(name.split()) + 2]
    return "?"


def milliseconds(text):
    """h2load's '12.5ms', '830us' or '1.2s' in milliseconds."""
    for unit, scale in (("ms", 1.0), ("us", 0.001), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * scale
    return float("nan")


def median(values):
    return sorted(values)[len(values) // 2]


def qps(out):
    for line in out.splitlines():
        if line.startswith("finished in"):
            return float(line.split(",")[1].split()[0])
    return 0.0


def bench_mode(server, mode, cert, key, d, requests, connections):
    proc = subprocess.Popen([server, mode, cert, key], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        scheme = "http" if mode.endswith("plain") else "https"
        url = f"{scheme}://127.0.0.1:{port}/bench.Bench/Call"
        body = os.path.join(d, "body")
        log = os.path.join(d, "log")
        h2load(url, body, log, 2000, 1, 16)             # warm-up
        rows = []
        for streams in (1, 16):
            out = h2load(url, body, log, requests, 1, streams)
            lat = latencies_us(log)
            rows.append((streams, qps(out), percentile(lat, 50), percentile(lat, 99)))
        out = h2load(url, body, log, connections, connections, 1)
        return rows, milliseconds(field(out, "time to 1st byte:"))
    finally:
        proc.kill()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs of every mode, interleaved; the median is printed")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        cert, key = make_certificates(d)
        with open(os.path.join(d, "body"), "wb") as f:
            f.write(b"\0\0\0\0\0")                      # an empty gRPC message
        print(f"{'mode':<11} {'streams':>7} {'calls/s':>9} {'p50 us':>7} {'p99 us':>7}"
              f"   new connection: time to 1st byte ({a.connections} at once)")
        runs = {mode: [] for mode in MODES}
        for _ in range(a.rounds):
            for mode in MODES:
                runs[mode].append(bench_mode(a.server, mode, cert, key, d,
                                             a.requests, a.connections))
        for mode in MODES:
            for i, streams in enumerate((1, 16)):
                rate, p50, p99 = (median([r[0][i][k] for r in runs[mode]]) for k in (1, 2, 3))
                extra = ("   %.2fms" % median([r[1] for r in runs[mode]])) if i == 0 else ""
                print(f"{mode:<11} {streams:>7} {rate:>9.0f} {p50:>7} {p99:>7}{extra}")


if __name__ == "__main__":
    main()
