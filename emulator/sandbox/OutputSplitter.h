#pragma once

#include <QByteArray>
#include <QList>

#include "Sandbox.h"

namespace Fcemu::Sandbox {

// Cuts a byte stream into lines the way FC's log collector does: at '\n' (dropped), and every
// kMaxLineBytes bytes of a longer line. Not thread-safe; one per stream.
class OutputSplitter final
{
public:
    explicit OutputSplitter(OutputLine::Stream stream) : m_stream(stream) {}

    // Appends the complete lines found in data to out, all stamped with timestampMs.
    void feed(const char *data, qsizetype size, qint64 timestampMs, QList<OutputLine> &out);
    // End of stream: a last line without '\n' is still a line.
    void finish(qint64 timestampMs, QList<OutputLine> &out);

private:
    OutputLine::Stream m_stream;
    QByteArray m_pending;
};

} // namespace Fcemu::Sandbox
