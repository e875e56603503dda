#!/usr/bin/python3
"""Summarises bench/system/run.sh trials: a markdown table, a PNG chart and the RESULT line.

With --append-section (run.sh --record only) it also replaces the run's block (quick or full) inside the
"## System throughput" section of bench/RESULTS.md, leaving every other section untouched.
"""
import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import time

DEVICES = ["kernel", "vtep4j", "ovs"]
TICK_NS = 1e9 / os.sysconf("SC_CLK_TCK")
SECTION = "## System throughput"


def median_min_max(values):
    return statistics.median(values), min(values), max(values)


def fmt_pps(v):
    return f"{v / 1000:,.0f}k"


def load(path):
    with open(path) as f:
        return list(csv.DictReader(f))


LOSS_LIMIT = 0.001


def trial(r):
    secs = float(r["seconds"])
    offered, delivered = int(r["offered"]), int(r["delivered"])
    if secs <= 0 or offered <= 0:
        return None
    per_packet = TICK_NS / max(delivered, 1)
    # DUT CPU = CPU 1's busy time. CPU 1 runs only the device under test (taskset, RPS), and /proc/stat puts each
    # tick of a CPU in exactly one bucket. The per-task counters do not add up with it: this kernel accounts CPU
    # time by ticks (CONFIG_TICK_CPU_ACCOUNTING, no IRQ_TIME_ACCOUNTING), so a tick taken while softirq work runs
    # on the back of a task, ksoftirqd/1 included, counts both as CPU 1 softirq and as that task's system time.
    # Adding the two (as runs before 2026-11-21 08:00 UTC did) counted such ticks twice.
    cpu1 = int(r["cpu1_ticks"]) * per_packet
    softirq = int(r["cpu1_softirq_ticks"]) * per_packet
    return {
        "rate": int(r["rate"]),
        "offered": offered / secs,
        "delivered": delivered / secs,
        "loss": (offered - delivered) / offered if offered else 0.0,
        "cpu1": cpu1,
        "softirq": softirq,
        "dut": cpu1,
        "user": int(r.get("proc_user_ticks") or 0) * per_packet,
    }


def summarise(rows):
    """(device, size, macs) -> {"sat": [trials], "best": best passing search trial, "nodrop": rate}."""
    cases = {}
    for r in rows:
        key = (r["device"], int(r["size"]), int(r["macs"]))
        c = cases.setdefault(key, {"sat": [], "best": None, "nodrop": None})
        if r["phase"] == "nodrop":
            c["nodrop"] = int(r["rate"])
            continue
        t = trial(r)
        if t is None:
            continue
        if r["phase"] == "sat":
            c["sat"].append(t)
            t = dict(t, rate=int(t["offered"]))   # a loss-free saturation trial counts at its offered rate
        if t["loss"] <= LOSS_LIMIT and (c["best"] is None or t["rate"] > c["best"]["rate"]):
            c["best"] = t
    return cases


def table(cases, status):
    lines = [
        "| inner frame | inner MACs | device | delivered pps at saturation, median (min–max) | offered pps |"
        " loss at saturation | highest rate with ≤ 0.1 % loss | DUT CPU ns/pkt at that rate: CPU 1 busy (softirq +"
        " the rest; DUT process user time) |"
        " DUT CPU ns/pkt at saturation |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    sizes = sorted({k[1] for k in cases})
    macs = sorted({k[2] for k in cases})
    for size in sizes:
        for m in macs:
            for dev in DEVICES:
                c = cases.get((dev, size, m))
                if c is None or not c["sat"]:
                    lines.append(f"| {size} B | {m} | {dev} | {status.get(dev, 'n/a')} | | | | | |")
                    continue
                d = median_min_max([s["delivered"] for s in c["sat"]])
                off = statistics.median(s["offered"] for s in c["sat"])
                loss = statistics.median(s["loss"] for s in c["sat"])
                dut_sat = statistics.median(s["dut"] for s in c["sat"])
                dut_sat_text = f"{dut_sat:,.0f}" if d[0] > 0 else "— (nothing delivered)"
                nd = c["nodrop"]
                nd_text = "none passed" if not nd else fmt_pps(nd)
                if loss <= LOSS_LIMIT:
                    nd_text += " (generator-bound: no loss even at saturation)"
                b = c["best"]
                best_text = "—" if b is None else (f"{b['dut']:,.0f} ({b['softirq']:,.0f} softirq +"
                                                   f" {b['dut'] - b['softirq']:,.0f}; user {b['user']:,.0f})")
                lines.append(f"| {size} B | {m} | {dev} | {fmt_pps(d[0])} ({fmt_pps(d[1])}–{fmt_pps(d[2])})"
                             f" | {fmt_pps(off)} | {loss * 100:.1f} % | {nd_text} | {best_text} | {dut_sat_text} |")
    return lines


def chart(cases, status, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    labels = []
    keys = sorted({(k[1], k[2]) for k in cases})
    for size, m in keys:
        labels.append(f"{size} B, {m} MAC{'s' if m > 1 else ''}")
    fig, ax = plt.subplots(figsize=(9, 4.8))
    width = 0.26
    colors = {"kernel": "#4c72b0", "vtep4j": "#dd8452", "ovs": "#55a868"}
    for i, dev in enumerate(DEVICES):
        xs, ys, lo, hi = [], [], [], []
        for j, (size, m) in enumerate(keys):
            c = cases.get((dev, size, m))
            x = j + (i - 1) * width
            if c is None or not c["sat"]:
                ax.text(x, 0, "n/a", ha="center", va="bottom", fontsize=8, rotation=90)
                continue
            med, mn, mx = median_min_max([s["delivered"] for s in c["sat"]])
            xs.append(x); ys.append(med); lo.append(med - mn); hi.append(mx - med)
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=3, label=dev, color=colors[dev])
        nd = [(j + (i - 1) * width, cases[(dev, size, m)]["nodrop"]) for j, (size, m) in enumerate(keys)
              if (dev, size, m) in cases and cases[(dev, size, m)]["nodrop"]]
        if nd:
            ax.scatter([p[0] for p in nd], [p[1] for p in nd], marker="D", s=18, color="black", zorder=3,
                       label="≤ 0.1 % loss rate" if i == 0 else None)
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels(labels)
    ax.set_ylabel("delivered packets/s at the sink (median, min–max)")
    ax.set_title("VXLAN VNI stitching on one CPU: Linux kernel vs vtep4j vs OVS userspace")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def result_line(cases, status):
    def rate(dev):
        c = cases.get((dev, 64, 1))
        if c is None or not c["sat"]:
            return None
        return c["nodrop"] or 0

    v, k, o = rate("vtep4j"), rate("kernel"), rate("ovs")
    text = lambda x: "n/a" if x is None else str(x)
    ratio = lambda a, b: "n/a" if a is None or not b else f"{a / b:.2f}"
    return f"RESULT vtep4j_pps={text(v)} kernel_pps={text(k)} ovs_pps={text(o)} " \
           f"ratio_kernel={ratio(v, k)} ratio_ovs={ratio(v, o)}"


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return f"{os.cpu_count()} vCPU {cpu}, kernel {platform.release()}, {java[0] if java else 'java ?'}"


def write_summary(args):
    rows = load(args.csv)
    status = dict(s.split("=", 1) for s in args.status)
    cases = summarise(rows)
    loads = [float(r["load1"]) for r in rows] or [0.0]
    out = [f"### {args.mode} run, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", ""]
    out.append(f"Machine: {machine()}. Load average (1 min) during trials: {min(loads):.2f}–{max(loads):.2f}"
               " (whatever else runs on the machine competes for the same CPUs).")
    out.append(f"Trials of {args.duration} s; `bench/system/run.sh{args.flags}`.")
    out.append("Device status: " + "; ".join(f"{d}: {status.get(d, '?')}" for d in DEVICES) + ".")
    out.append("")
    out.extend(table(cases, status))
    out.append("")
    if args.chart:
        chart(cases, status, args.chart)
        out.append(f"Chart: `{os.path.basename(args.chart)}` beside this table.")
        out.append("")
    out.append(result_line(cases, status))  # last line: run.sh prints this file, so RESULT ends its output
    with open(args.out_md, "w") as f:
        f.write("\n".join(out) + "\n")


def append_section(args):
    path = args.append_section
    block = open(args.section_file).read()
    chart_line = f"Chart: `bench/system/chart-{args.mode}.png`."   # run.sh --record copies the chart there
    block = "\n".join(f"```\n{l}\n```" if l.startswith("RESULT ") else chart_line if l.startswith("Chart: ") else l
                      for l in block.splitlines()) + "\n"
    start, end = f"<!-- system:{args.mode}:start -->", f"<!-- system:{args.mode}:end -->"
    text = open(path).read() if os.path.exists(path) else "# vtep4j benchmark results\n"
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n"
    head, rest = text.split(SECTION, 1)
    nxt = rest.find("\n## ")
    section, tail = (rest, "") if nxt < 0 else (rest[:nxt + 1], rest[nxt + 1:])
    new_block = f"{start}\n{block}{end}\n"
    if start in section and end in section:
        a = section.index(start)
        b = section.index(end) + len(end) + 1
        section = section[:a] + new_block + section[b:]
    else:
        section = section.rstrip("\n") + "\n\n" + new_block
    with open(path, "w") as f:
        f.write(head + SECTION + section.rstrip("\n") + "\n" + ("\n" + tail if tail else ""))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--csv")
    p.add_argument("--mode", required=True)
    p.add_argument("--duration", default="?")
    p.add_argument("--flags", default="")
    p.add_argument("--out-md")
    p.add_argument("--chart")
    p.add_argument("--status", action="append", default=[])
    p.add_argument("--append-section")
    p.add_argument("--section-file")
    args = p.parse_args()
    if args.append_section:
        append_section(args)
    else:
        write_summary(args)


if __name__ == "__main__":
    sys.exit(main())
