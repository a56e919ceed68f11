#include "OutputSplitter.h"

#include <cstring>

namespace Fcemu::Sandbox {

void OutputSplitter::feed(const char *data, qsizetype size, qint64 timestampMs,
                          QList<OutputLine> &out)
{
    while (size > 0) {
        // Look one byte past the room left: a '\n' right after a full 32 KB line ends that line
        // rather than producing an extra empty one.
        const qsizetype room = kMaxLineBytes - m_pending.size();
        const qsizetype scan = qMin(size, room + 1);
        const auto *newline = static_cast<const char *>(memchr(data, '\n', size_t(scan)));
        if (newline != nullptr) {
            const qsizetype len = newline - data;
            m_pending.append(data, len);
            out.append({timestampMs, m_stream, std::exchange(m_pending, {})});
            data += len + 1;
            size -= len + 1;
            continue;
        }
        if (room == 0) {
            out.append({timestampMs, m_stream, std::exchange(m_pending, {})});
            continue;
        }
        const qsizetype take = qMin(size, room);
        m_pending.append(data, take);
        data += take;
        size -= take;
    }
}

void OutputSplitter::finish(qint64 timestampMs, QList<OutputLine> &out)
{
    if (!m_pending.isEmpty())
        out.append({timestampMs, m_stream, std::exchange(m_pending, {})});
}

} // namespace Fcemu::Sandbox
