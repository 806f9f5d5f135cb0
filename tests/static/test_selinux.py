"""The SELinux module: built with Debian's selinux-policy-dev, then linked with the
Debian reference policy's base and expanded (every type and interface it uses
exists, its neverallow rules hold), and the rules that matter read back from the
expanded policy with sesearch. The kernel here has no SELinux: nothing is loaded."""

import os
import shutil
import subprocess

import pytest

from conftest import REPO, run

DEVEL_MAKEFILE = "/usr/share/selinux/devel/Makefile"
POLICY_DIR = "/usr/share/selinux/default"


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    """Builds containarium.pp, links and expands it; returns the policy file."""
    work = str(tmp_path_factory.mktemp("selinux"))
    for ext in ("te", "fc", "if"):
        shutil.copy(os.path.join(REPO, "selinux", "containarium." + ext), work)
    r = run(["make", "-f", DEVEL_MAKEFILE, "containarium.pp"], cwd=work, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    modules = []
    for name in ("base", "unconfined"):
        out = os.path.join(work, name + ".pp")
        with open(out, "wb") as f:
            subprocess.run(["bzcat", os.path.join(POLICY_DIR, name + ".pp.bz2")],
                           stdout=f, check=True)
        modules.append(out)
    linked = os.path.join(work, "linked.lnk")
    r = run(["semodule_link", "-o", linked] + modules + [os.path.join(work, "containarium.pp")])
    assert r.returncode == 0, r.stdout + r.stderr
    expanded = os.path.join(work, "policy.bin")
    r = run(["semodule_expand", linked, expanded])
    assert r.returncode == 0, r.stdout + r.stderr
    return expanded


def rules(policy, *args):
    r = run(["sesearch"] + list(args) + [policy])
    assert r.returncode == 0, r.stderr
    return [line.strip() for line in r.stdout.splitlines() if line.strip()]


def test_domains_and_transitions(policy):
    transitions = rules(policy, "-T", "-t", "containarium_exec_t", "-c", "process")
    assert "type_transition init_t containarium_exec_t:process containarium_t;" in transitions
    assert "type_transition containarium_t containarium_exec_t:process " \
           "containarium_worker_t;" in transitions
    # the unit's NoNewPrivileges=yes needs nnp_transition on both steps
    assert rules(policy, "-A", "-s", "init_t", "-t", "containarium_t", "-c", "process2")
    assert rules(policy, "-A", "-s", "containarium_t", "-t", "containarium_worker_t",
                 "-c", "process2", "-p", "nnp_transition")


def test_capabilities_are_the_units(policy):
    assert rules(policy, "-A", "-s", "containarium_t", "-c", "capability") == [
        "allow containarium_t containarium_t:capability { kill setgid setuid };"]
    assert rules(policy, "-A", "-s", "containarium_worker_t", "-c", "capability") == [
        "allow containarium_worker_t containarium_worker_t:capability { setgid setuid };"]


def test_master_reaches_incus_and_journal(policy):
    assert rules(policy, "-A", "-s", "containarium_t", "-t", "var_lib_t", "-c", "sock_file",
                 "-p", "write")
    assert rules(policy, "-A", "-s", "containarium_t", "-t", "initrc_t",
                 "-c", "unix_stream_socket", "-p", "connectto")
    assert rules(policy, "-A", "-s", "containarium_t", "-t", "devlog_t", "-c", "sock_file",
                 "-p", "write")
    assert rules(policy, "-A", "-s", "containarium_t", "-t", "containarium_secret_t",
                 "-c", "file", "-p", "write")


def test_tls_material_memfd(policy):
    """The master makes the memfd, the workers only read it."""
    assert rules(policy, "-T", "-s", "containarium_t", "-t", "tmpfs_t", "-c", "file") == [
        "type_transition containarium_t tmpfs_t:file containarium_tmpfs_t;"]
    perms = rules(policy, "-A", "-s", "containarium_worker_t", "-t", "containarium_tmpfs_t")
    assert perms == ["allow containarium_worker_t containarium_tmpfs_t:file "
                     "{ getattr map read };"], perms


def test_workers_reach_neither_incus_nor_secrets(policy):
    for target, cls in (("var_lib_t", "sock_file"), ("containarium_secret_t", "file"),
                        ("containarium_etc_t", "file"), ("initrc_t", "unix_stream_socket")):
        found = rules(policy, "-A", "-s", "containarium_worker_t", "-t", target, "-c", cls)
        assert found == [], found
    assert rules(policy, "-A", "-s", "containarium_worker_t", "-c", "file",
                 "-p", "execute_no_trans") == []


def test_port_and_socket_types(policy):
    r = run(["seinfo", "-a", "port_type", "-x", policy])
    assert "containarium_port_t" in r.stdout
    assert rules(policy, "-A", "-s", "containarium_t", "-t", "containarium_port_t",
                 "-c", "tcp_socket", "-p", "name_bind")
    with open(os.path.join(REPO, "selinux", "containarium.fc")) as f:
        fc = f.read()
    assert "/run/containarium\\.sock\t\t\t-s\tgen_context(system_u:object_r:" \
           "containarium_runtime_t,s0)" in fc
