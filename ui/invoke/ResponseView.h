#pragma once

#include <QByteArray>
#include <QColor>
#include <QWidget>

#include "common/Format.h"
#include "telemetry/InvocationRecord.h"

class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTableWidget;

namespace Fcemu::Ui {

class JsonHighlighter;

// How a response body is shown.
enum class BodyKind { Empty, Json, Text, Binary };
// Binary: not UTF-8, or control characters other than tab, CR, LF and form feed.
BodyKind classifyBody(const QByteArray &body);
// The body as shown: JSON indented by 2 (key order kept), text as is, binary as a hex dump.
QString formatBody(const QByteArray &body, BodyKind kind);
// "00000000  7b 22 61 22 3a 31 7d 00  ...                       |{"a":1}.|", 16 bytes a line;
// stops after `limit` bytes with a line saying how many more there are.
QString hexDump(const QByteArray &bytes, qsizetype limit = 64 * 1024);

// The response of one invocation: the status (coloured by class), a summary line (cold or
// warm, timing, memory, billing), FC's error with its explanation, the body and the headers
// the function answered with.
class ResponseView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ResponseView)

public:
    explicit ResponseView(QWidget *parent = nullptr);

    void showResponse(const Telemetry::InvocationRecord &record);
    // While the latest request is on its way.
    void showPending(const QString &requestId);
    void clear();

    QString statusText() const;
    Outcome outcome() const { return m_outcome; }
    QColor statusColour() const; // the status pill's text colour
    QString summaryText() const;
    QString errorText() const; // "" when the record had no error
    QString bodyText() const;
    BodyKind bodyKind() const { return m_kind; }
    QTableWidget *headersTable() const { return m_headers; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyColours();

    QLabel *m_status = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_bodyInfo = nullptr;
    QTabWidget *m_tabs = nullptr;
    QPlainTextEdit *m_body = nullptr;
    JsonHighlighter *m_highlighter = nullptr;
    QTableWidget *m_headers = nullptr;
    int m_statusCode = 0;
    Outcome m_outcome = Outcome::Success;
    bool m_hasError = false;
    BodyKind m_kind = BodyKind::Empty;
};

} // namespace Fcemu::Ui
