#pragma once

// The hand-over between a layer's inflating thread and its tar reader (LayerUnpacker,
// ImageAnalysis): filled chunks in a bounded queue, a free list so the steady state allocates
// nothing, and the libarchive read callback that takes them. Internal to image/.

#include <archive.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace Fcemu::Image {

constexpr std::size_t chunkSize = 1 << 20;
constexpr std::size_t queueDepth = 8;

using Chunk = std::vector<char>;

// A bounded single-producer, single-consumer queue of filled chunks, plus a free list so the
// steady state allocates nothing.
class ChunkQueue final
{
public:
    // Producer side. Returns false when the consumer has gone away.
    bool push(Chunk chunk)
    {
        std::unique_lock lock(m_mutex);
        m_notFull.wait(lock, [&]() -> bool { return m_filled.size() < queueDepth || m_closed; });
        if (m_closed)
            return false;
        m_filled.push_back(std::move(chunk));
        m_notEmpty.notify_one();
        return true;
    }
    void finish()
    {
        std::lock_guard lock(m_mutex);
        m_finished = true;
        m_notEmpty.notify_all();
    }
    Chunk takeFree()
    {
        std::lock_guard lock(m_mutex);
        if (m_free.empty())
            return Chunk(chunkSize);
        Chunk c = std::move(m_free.back());
        m_free.pop_back();
        c.resize(chunkSize);
        return c;
    }

    // Consumer side. An empty optional means end of stream.
    bool pop(Chunk *out)
    {
        std::unique_lock lock(m_mutex);
        m_notEmpty.wait(lock,
                        [&]() -> bool { return !m_filled.empty() || m_finished || m_closed; });
        if (m_filled.empty())
            return false;
        *out = std::move(m_filled.front());
        m_filled.pop_front();
        m_notFull.notify_one();
        return true;
    }
    void recycle(Chunk chunk)
    {
        std::lock_guard lock(m_mutex);
        if (chunk.capacity() >= chunkSize)
            m_free.push_back(std::move(chunk));
    }
    // Either side gives up: wakes the other.
    void close()
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_notFull.notify_all();
        m_notEmpty.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_notFull;
    std::condition_variable m_notEmpty;
    std::deque<Chunk> m_filled;
    std::vector<Chunk> m_free;
    bool m_finished = false;
    bool m_closed = false;
};

struct ConsumerState
{
    ChunkQueue *queue = nullptr;
    Chunk current;
};

inline la_ssize_t consumerRead(archive *, void *opaque, const void **buffer)
{
    auto *s = static_cast<ConsumerState *>(opaque);
    if (!s->current.empty())
        s->queue->recycle(std::move(s->current));
    s->current.clear();
    if (!s->queue->pop(&s->current))
        return 0;
    *buffer = s->current.data();
    return la_ssize_t(s->current.size());
}

} // namespace Fcemu::Image
