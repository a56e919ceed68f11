// The pool's connections to its instances: kept-alive links, one round trip at a time on each,
// run on the pool's event loop, with FC's single retry on a kept-alive connection that died.
#include "InstancePool.h"
#include "InstancePoolPrivate.h"

#include <QDateTime>

#include "FcRequest.h"
#include "InstanceSetup.h"
#include "JobInvoker.h"
#include "WebErrors.h"
#include "telemetry/FcErrors.h"

namespace Fcemu::Runtime {

std::unique_ptr<InstancePool::Link> InstancePool::makeLink(UniqueFd socket)
{
    auto link = std::make_unique<Link>(std::move(socket));
    Link *l = link.get();
    connect(&l->readable, &QSocketNotifier::activated, this, [this, l]() { advanceExchange(l); });
    connect(&l->writable, &QSocketNotifier::activated, this, [this, l]() { advanceExchange(l); });
    connect(&l->deadline, &QTimer::timeout, this, [this, l]() {
        if (!l->exchange || l->deadlineNs == 0)
            return;
        const qint64 leftNs = l->deadlineNs - monotonicNs();
        if (leftNs > 0) // set by an earlier round trip: wait for this one's deadline
            return l->deadline.start(int((leftNs + 999'999) / 1'000'000));
        endRoundTrip(l->exchange, l->connection.abort(Http::ClientError::Timeout));
    });
    return link;
}

std::unique_ptr<InstancePool::Link> InstancePool::takeIdle(Live *live)
{
    if (live->idle.empty())
        return {};
    auto link = std::move(live->idle.back());
    live->idle.pop_back();
    return link;
}

void InstancePool::startExchange(Live *live, Http::HttpRequest request, int timeoutMs,
                                 std::unique_ptr<Link> link, bool mayRetry,
                                 std::function<void(Exchange &)> done)
{
    auto exchange = std::make_unique<Exchange>();
    exchange->live = live;
    exchange->link = std::move(link);
    exchange->request = std::move(request);
    exchange->timeoutMs = timeoutMs;
    exchange->mayRetry = mayRetry;
    exchange->done = std::move(done);
    Exchange *e = exchange.get();
    live->exchanges.push_back(std::move(exchange));
    ++live->workers;
    beginExchange(e);
}

void InstancePool::beginExchange(Exchange *e)
{
    Live *live = e->live;
    if (!e->link) {
        auto socket = live->discarded || !live->sandbox
                          ? Result<UniqueFd>(fail(ErrorKind::Cancelled, u"the instance stopped"_qs))
                          : live->sandbox->connectTcp(quint16(m_config.caPort), 1000);
        if (!socket) {
            e->response = std::unexpected(socket.error());
            e->info = {};
            e->info.error = Http::ClientError::ConnectionClosedBeforeResponse;
            return finishExchange(e);
        }
        e->link = makeLink(std::move(*socket));
    }
    Link *link = e->link.get();
    link->exchange = e;
    link->connection.begin(e->request, e->timeoutMs);
    if (auto result = link->connection.step())
        return endRoundTrip(e, std::move(*result));
    link->readable.setEnabled(true);
    link->writable.setEnabled(link->connection.wantsWrite());
    // Starting and stopping a timer per request is measurable: a running timer that fires
    // early is restarted for what is left instead.
    link->deadlineNs = 0;
    if (e->timeoutMs >= 0) {
        link->deadlineNs = monotonicNs() + qint64(e->timeoutMs) * 1'000'000;
        if (!link->deadline.isActive() || link->deadline.remainingTime() > e->timeoutMs)
            link->deadline.start(e->timeoutMs);
    }
}

void InstancePool::advanceExchange(Link *link)
{
    if (!link->exchange) {
        // Readable while idle: the server closed it or sent what nobody asked for; the next
        // begin() says which. Until then, stop watching (the notifier is level-triggered).
        link->readable.setEnabled(false);
        link->writable.setEnabled(false);
        return;
    }
    if (auto result = link->connection.step())
        return endRoundTrip(link->exchange, std::move(*result));
    link->writable.setEnabled(link->connection.wantsWrite());
}

void InstancePool::endRoundTrip(Exchange *e, Result<Http::HttpResponse> result)
{
    Link *link = e->link.get();
    // The read notifier stays on between round trips: turning it off and on again per request
    // cost more than an idle connection that never becomes readable.
    link->writable.setEnabled(false);
    link->deadlineNs = 0;
    link->exchange = nullptr;
    e->response = std::move(result);
    e->info = link->connection.lastRoundTrip();
    // FC retries idempotent requests once when the kept-alive connection had died.
    if (!e->response && e->mayRetry && e->info.shouldRetry(e->request.method) &&
        !e->live->discarded) {
        e->mayRetry = false;
        // Deleted later: this may run inside one of the dead link's own notifications.
        std::shared_ptr<Link> dead(std::move(e->link));
        QMetaObject::invokeMethod(
            this, [dead]() {}, Qt::QueuedConnection);
        return beginExchange(e);
    }
    finishExchange(e);
}

void InstancePool::finishExchange(Exchange *e)
{
    // Completed from the event loop: the caller may be a notifier of the link that done()
    // keeps or drops, or discard() with callers up the stack.
    QMetaObject::invokeMethod(
        this,
        [this, e]() {
            Live *live = e->live;
            for (auto it = live->exchanges.begin(); it != live->exchanges.end(); ++it) {
                if (it->get() != e)
                    continue;
                const std::unique_ptr<Exchange> owned = std::move(*it);
                live->exchanges.erase(it);
                --live->workers;
                owned->done(*owned);
                return;
            }
        },
        Qt::QueuedConnection);
}

void InstancePool::cancelExchanges(Live *live)
{
    for (const auto &e : live->exchanges)
        if (e->link && e->link->exchange == e.get())
            endRoundTrip(e.get(), e->link->connection.abort(Http::ClientError::Cancelled));
}

} // namespace Fcemu::Runtime
