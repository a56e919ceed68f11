#pragma once

#include <QByteArray>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace Fcemu::Ui {

// JSON colouring for the event and body editors: object keys, strings, numbers, the literals
// true/false/null and punctuation. JSON strings cannot span lines, so each block is tokenised
// alone and text that is not JSON simply stays uncoloured. The colours come in a light and a
// dark set chosen from the palette's window colour (setPalette() on a palette change).
class JsonHighlighter final : public QSyntaxHighlighter
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JsonHighlighter)

public:
    enum class Token { Key, String, Number, Literal, Punctuation };

    explicit JsonHighlighter(QTextDocument *document);

    // Picks the colour set for palette and re-highlights.
    void setPalette(const QPalette &palette);
    QTextCharFormat format(Token token) const;

protected:
    void highlightBlock(const QString &text) override;

private:
    QTextCharFormat m_formats[5];
};

// Whether an event is JSON, and where it stops being JSON when it is not. FC accepts any bytes
// as an event, so this only informs.
struct JsonCheck
{
    bool empty = false;
    bool valid = false;
    int line = 0;   // 1-based, of the first byte the parser could not accept
    int column = 0; // 1-based, in characters
    QString message;
    // "Valid JSON", "Empty event", "Not JSON: line 2, column 5: ..."
    QString summary() const;
};
JsonCheck checkJson(const QByteArray &bytes);

} // namespace Fcemu::Ui
