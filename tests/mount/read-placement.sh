#!/usr/bin/env bash
# Where backing reads run, as the stats record it (read_placement): the
# passthrough example over a tmpfs source, 128K O_DIRECT reads at depth 1
# (an idle queue: inline) and at depth 16 with fio's crc32c verify (a busy
# queue: the session's measurement decides, and probes the other mode, so
# both paths carry verified data). Every READ is counted under exactly one
# reason; over a ring the depth-1 reads are "inline_idle_queue", the
# depth-16 ones were judged by windows of the 128K class and at least one
# probe ran the worker; over classic every read is "sync_no_ring".
. "$(dirname "$0")/../lib/common.sh"

t_need_root
t_need_cmd fio
jg=$(t_prog json-get)
cd "$T" || t_fail "cd $T" # fio's verify state files land in the cwd

mkdir -p "$T/src"
if [ "$(stat -f -c %T "$T/src")" != tmpfs ]; then
	mount -t tmpfs -o size=160m zcfuse-rp "$T/src" || t_fail "cannot mount a tmpfs source"
	t_on_exit "umount $T/src"
fi

num() { # FILE PATH: a number, 0 when the path is absent
	"$jg" "$1" "$2" 2>/dev/null || echo 0
}

srv_start passthrough passthrough "$T/src"
mnt=${SRV_MNT[passthrough]}
fio_run() { # LABEL ARGS...
	local label=$1
	shift
	fio --name="$label" --directory="$mnt" --ioengine=io_uring --direct=1 --bs=128k \
		--output-format=json --output="$T/fio-$label.json" "$@" >"$T/fio-$label.out" 2>&1 ||
		{ cat "$T/fio-$label.out"; t_fail "fio $label failed"; }
	[ "$("$jg" "$T/fio-$label.json" jobs.0.error)" = 0 ] || t_fail "fio $label reports an error"
}
# Depth 16, written and then read back with verification, twice over.
fio_run qd16 --rw=write --iodepth=16 --size=64M --loops=2 --verify=crc32c --verify_fatal=1
# Depth 1 over the same file: nothing else in flight on the queue.
fio_run qd1 --rw=read --iodepth=1 --size=64M --filename=qd16.0.0 --runtime=1 --time_based \
	--verify=0
srv_stop_ok passthrough

f=${SRV_STATS[passthrough]}
"$jg" "$f" read_placement >/dev/null || { cat "$f"; t_fail "stats have no read_placement"; }
reads=$(num "$f" opcodes.READ.count)
[ "$reads" -gt 0 ] || t_fail "no READ counted"
sum=0
for r in sync_no_ring ring_may_block ring_zero_copy inline_idle_queue inline_one_cpu \
	inline_measured worker_measured inline_probe worker_probe inline_forced worker_forced; do
	declare "n_$r=$(num "$f" "read_placement.reasons.$r.count")"
	sum=$((sum + $(num "$f" "read_placement.reasons.$r.count")))
done
[ "$sum" = "$reads" ] || t_fail "reasons add up to $sum reads, READ count is $reads"
contested=$((n_inline_measured + n_worker_measured + n_inline_probe + n_worker_probe))
case $TR in
classic)
	[ "$n_sync_no_ring" = "$reads" ] || t_fail "classic: sync_no_ring $n_sync_no_ring of $reads reads"
	;;
uring | bufpool)
	if [ "$(nproc)" -lt 2 ]; then
		[ "$n_inline_one_cpu" -gt 0 ] || t_fail "one CPU but inline_one_cpu = 0"
	else
		[ "$n_inline_idle_queue" -gt 0 ] || t_fail "depth 1 but inline_idle_queue = 0"
		[ "$contested" -gt 0 ] || t_fail "depth 16 but no read was judged by the measurement"
		[ "$n_worker_probe" -gt 0 ] || [ "$n_worker_measured" -gt 0 ] ||
			t_fail "the worker mode was never measured (worker_probe = 0)"
		windows=$(num "$f" read_placement.classes.128K.windows)
		[ "$windows" -gt 0 ] || t_fail "the session judged no window of the 128K class"
		timed=0 i=0
		while "$jg" "$f" "read_placement.queues.$i" >/dev/null 2>&1; do
			for k in timed_inline_reads timed_worker_reads; do
				"$jg" "$f" "read_placement.queues.$i.classes.128K.$k" >/dev/null 2>&1 &&
					timed=$((timed + $(num "$f" "read_placement.queues.$i.classes.128K.$k")))
			done
			i=$((i + 1))
		done
		[ "$timed" -gt 0 ] || t_fail "no queue timed a contested 128K read"
	fi
	;;
esac
t_log "$TR: $reads reads: idle $n_inline_idle_queue, judged $contested (worker probes $n_worker_probe, worker $n_worker_measured, inline $n_inline_measured), ring $n_ring_may_block, sync $n_sync_no_ring"
t_log "PASS"
