// The instance's watcher: the per-instance thread that reads the function's output and samples
// its memory, the fences that let the owner wait for lines already written, and the memory
// figures read from it.

#include <sys/ioctl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>

#include "InstancePrivate.h"
#include "MemoryPoller.h"
#include "OutputSplitter.h"
#include "SandboxLog.h"
#include "SysCalls.h"

namespace Fcemu::Sandbox {

using namespace Detail;

namespace {

// The poller must see peaks between samples itself; with a cgroup the kernel keeps the peak and
// enforces the limit, and the samples only feed the live figure and notice an OOM kill.
constexpr auto kSamplePeriod = std::chrono::milliseconds(10);
constexpr auto kCgroupSamplePeriod = std::chrono::milliseconds(50);
constexpr auto kCoalescePeriod = std::chrono::milliseconds(1);

} // namespace

// The per-instance thread: reads stdout/stderr as fast as they come (the function never waits
// on a full pipe for long), splits lines, and polls memory every 10 ms (50 ms
// with a cgroup).
void InstancePrivate::watch()
{
    OutputSplitter splitters[2] = {OutputSplitter(OutputLine::Stdout),
                                   OutputSplitter(OutputLine::Stderr)};
    const int pipes[2] = {stdoutRead.get(), stderrRead.get()};
    bool open[2] = {true, true};
    bool alive = true;
    // Without a cgroup: polled from the host's /proc (MemoryPoller.h).
    std::unique_ptr<MemoryPoller> poller;
    if (!cgroup)
        poller =
            std::make_unique<MemoryPoller>(initPid, pidNsDev, pidNsIno, tmpDir.get(), shmDir.get());
    const std::chrono::steady_clock::duration period = cgroup ? kCgroupSamplePeriod : kSamplePeriod;
    std::vector<char> buffer(256 * 1024);
    auto nextSample = std::chrono::steady_clock::now();

    // After a short read the pipes rest for kCoalescePeriod (a fence still drains them at once):
    // a server logging a line per request under load then costs one wake-up and one hand-off
    // per period, not one per line.
    bool resting = false;
    while (open[0] || open[1] || alive) {
        pollfd fds[5] = {{open[0] && !resting ? pipes[0] : -1, POLLIN, 0},
                         {open[1] && !resting ? pipes[1] : -1, POLLIN, 0},
                         {alive ? pidfd.get() : -1, POLLIN, 0},
                         {wakeFd.get(), POLLIN, 0},
                         {fenceFd.get(), POLLIN, 0}};
        int timeout = -1;
        if (alive) {
            // Rounded up: a sub-millisecond remainder would poll with 0 ms, spinning.
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                nextSample - std::chrono::steady_clock::now());
            timeout = int(std::max<qint64>(0, left.count()));
        }
        if (resting)
            timeout = timeout < 0 ? int(kCoalescePeriod.count())
                                  : std::min(timeout, int(kCoalescePeriod.count()));
        if (poll(fds, 5, timeout) < 0 && errno != EINTR)
            break;
        if (fds[3].revents & POLLIN)
            break; // the Instance is being destroyed
        QList<OutputLine> lines;
        // A fence: everything in the pipes now is read and posted before the fence passes.
        quint64 fence = 0;
        if (fds[4].revents & POLLIN) {
            uint64_t count = 0;
            [[maybe_unused]] const ssize_t got = read(fenceFd.get(), &count, sizeof count);
            fence = fencesAsked;
        }
        // Between read() and the queued delivery the bytes are neither in the pipe nor
        // counted as undelivered: say so, for hasPendingOutput().
        reading = true;
        const bool wasResting = std::exchange(resting, false);
        bool shortRead = false;
        for (int i = 0; i < 2; ++i) {
            if (!open[i] ||
                (!fence && !wasResting && !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))))
                continue;
            for (;;) {
                const ssize_t n = read(pipes[i], buffer.data(), buffer.size());
                if (n > 0) {
                    splitters[i].feed(buffer.data(), n, nowMs(), lines);
                    if (fence && size_t(n) == buffer.size())
                        continue; // drain the pipe for the fence
                    shortRead = shortRead || size_t(n) < buffer.size();
                } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                    splitters[i].finish(nowMs(), lines);
                    open[i] = false;
                }
                break;
            }
        }
        const bool gotLines = !lines.isEmpty(); // lines is moved from below
        if (gotLines) {
            ++handOffs;
            ++undelivered;
            QMetaObject::invokeMethod(
                q,
                [this, lines = std::move(lines)] {
                    --undelivered;
                    for (const OutputLine &line : lines)
                        emit q->outputLine(line);
                },
                Qt::QueuedConnection);
        }
        if (fence)
            QMetaObject::invokeMethod(
                q, [this, fence] { passFences(fence); }, Qt::QueuedConnection);
        reading = false;
        resting = shortRead && gotLines;
        if (fds[2].revents & POLLIN)
            alive = false;
        if (alive && std::chrono::steady_clock::now() >= nextSample) {
            const auto began = std::chrono::steady_clock::now();
            quint64 now = 0;
            bool exceeded = false;
            if (cgroup) {
                // The kernel enforces the limit; an OOM kill anywhere ends the whole instance,
                // reported as the poller's would be.
                now = cgroup->currentBytes();
                exceeded = cgroup->oomKills() > 0;
            } else {
                now = poller->sample();
                exceeded = spec.memoryLimitBytes != 0 && now > spec.memoryLimitBytes;
            }
            memory = now;
            quint64 old = peak;
            while (now > old && !peak.compare_exchange_weak(old, now)) {
            }
            if (exceeded && !memoryExceeded) {
                memoryExceeded = true;
                qCDebug(lcSandbox) << "memory limit exceeded:" << now << "of"
                                   << spec.memoryLimitBytes << accountingName(accounting);
                signalPidfd(pidfd.get(), SIGKILL);
            }
            // A slow sample (thousands of processes to read) spaces the next ones out, so the
            // poller stays under about a fifth of a core.
            const auto end = std::chrono::steady_clock::now();
            const std::chrono::steady_clock::duration spacing =
                std::max<std::chrono::steady_clock::duration>(period / 2, 4 * (end - began));
            nextSample = std::max(nextSample + period, end + spacing);
        }
    }
    QMetaObject::invokeMethod(
        q,
        [this] {
            outputDone = true;
            passFences(fencesAsked);
            maybeFinish();
        },
        Qt::QueuedConnection);
}

void InstancePrivate::passFences(quint64 upTo)
{
    while (!fences.isEmpty() && fences.first().number <= upTo) {
        const Fence fence = fences.takeFirst();
        if (fence.context)
            fence.done();
    }
}

void Instance::afterPendingOutput(QObject *context, std::function<void()> done)
{
    if (!hasPendingOutput() || d->outputDone || !d->watcher.joinable()) {
        done();
        return;
    }
    const quint64 number = ++d->fencesAsked;
    d->fences.append({number, context, std::move(done)});
    const uint64_t one = 1;
    // An eventfd write fails only when the counter would overflow: it is then awake anyway.
    [[maybe_unused]] const ssize_t put = write(d->fenceFd.get(), &one, sizeof one);
}

void InstancePrivate::stopWatcher()
{
    if (!watcher.joinable())
        return;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t put = write(wakeFd.get(), &one, sizeof one); // as above
    watcher.join();
}

quint64 Instance::memoryBytes() const
{
    // With a cgroup the kernel's figure is one pread away: read now, not at the last sample.
    if (d->cgroup && isRunning())
        return d->cgroup->currentBytes();
    return d->memory;
}

bool Instance::hasPendingOutput() const
{
    // The pipes first, then the reader's flags: bytes the reader takes after the pipes were
    // looked at are then still seen, as `reading` or as undelivered (the reader sets `reading`
    // before it reads and counts the batch before it clears `reading`). The other order missed
    // lines taken between the two looks.
    for (const UniqueFd *fd : {&d->stdoutRead, &d->stderrRead}) {
        int bytes = 0;
        if (fd->valid() && ioctl(fd->get(), FIONREAD, &bytes) == 0 && bytes > 0)
            return true;
    }
    return d->undelivered > 0 || d->reading;
}

quint64 Instance::outputHandOffs() const
{
    return d->handOffs;
}

quint64 Instance::peakMemoryBytes() const
{
    // The kernel's peak while the cgroup lives (it sees between the samples); the samples' after.
    // Reading it costs the kernel several microseconds (cgroup v1 flushes its statistics), and
    // under load every request ends with this call: a read less than a millisecond old is
    // reused (the peak only grows between resets, so it may miss at most that millisecond).
    if (d->cgroup) {
        const qint64 now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
        if (d->kernelPeakReadNs == 0 || now - d->kernelPeakReadNs > 1'000'000) {
            d->kernelPeak = d->cgroup->peakBytes();
            d->kernelPeakReadNs = now;
        }
    }
    return std::max<quint64>(d->peak, d->kernelPeak);
}

void Instance::resetPeakMemory()
{
    d->peak = d->memory.load();
    d->kernelPeak = 0;
    d->kernelPeakReadNs = 0;
    if (d->cgroup)
        d->cgroup->resetPeak();
}

QString Instance::memoryAccounting() const
{
    return accountingName(d->accounting);
}

} // namespace Fcemu::Sandbox
