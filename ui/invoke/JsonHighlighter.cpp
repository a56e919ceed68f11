#include "JsonHighlighter.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include <QPalette>

#include "common/Format.h"

namespace Fcemu::Ui {

JsonHighlighter::JsonHighlighter(QTextDocument *document) : QSyntaxHighlighter(document)
{
    setPalette(QPalette());
}

void JsonHighlighter::setPalette(const QPalette &palette)
{
    const bool dark = isDarkPalette(palette);
    // Close to the VS Code light and dark JSON themes, which are tuned for contrast on white
    // and on near-black backgrounds respectively.
    const QColor key = dark ? QColor(0x9c, 0xdc, 0xfe) : QColor(0x04, 0x51, 0xa5);
    const QColor string = dark ? QColor(0xce, 0x91, 0x78) : QColor(0xa3, 0x15, 0x15);
    const QColor number = dark ? QColor(0xb5, 0xce, 0xa8) : QColor(0x09, 0x86, 0x58);
    const QColor literal = dark ? QColor(0x56, 0x9c, 0xd6) : QColor(0x00, 0x00, 0xff);
    const QColor punctuation = dark ? QColor(0xa0, 0xa0, 0xa0) : QColor(0x60, 0x60, 0x60);
    auto make = [](const QColor &color, bool bold) {
        QTextCharFormat f;
        f.setForeground(color);
        if (bold)
            f.setFontWeight(QFont::DemiBold);
        return f;
    };
    m_formats[int(Token::Key)] = make(key, false);
    m_formats[int(Token::String)] = make(string, false);
    m_formats[int(Token::Number)] = make(number, false);
    m_formats[int(Token::Literal)] = make(literal, true);
    m_formats[int(Token::Punctuation)] = make(punctuation, false);
    rehighlight();
}

QTextCharFormat JsonHighlighter::format(Token token) const
{
    return m_formats[int(token)];
}

void JsonHighlighter::highlightBlock(const QString &text)
{
    const qsizetype n = text.size();
    qsizetype i = 0;
    auto isDelimiter = [&](qsizetype at) {
        return at >= n || text[at].isSpace() || QStringView(u",:]}[{").contains(text[at]);
    };
    while (i < n) {
        const QChar c = text[i];
        if (c.isSpace()) {
            ++i;
        } else if (c == u'"') {
            qsizetype end = i + 1;
            while (end < n && text[end] != u'"')
                end += text[end] == u'\\' ? 2 : 1;
            end = std::min(end + 1, n);
            // A string followed by ':' is an object key.
            qsizetype next = end;
            while (next < n && text[next].isSpace())
                ++next;
            const bool key = next < n && text[next] == u':';
            setFormat(int(i), int(end - i), m_formats[int(key ? Token::Key : Token::String)]);
            i = end;
        } else if (c == u'-' || c.isDigit()) {
            qsizetype end = i + 1;
            while (end < n && (text[end].isDigit() || QStringView(u".eE+-").contains(text[end])))
                ++end;
            if (isDelimiter(end))
                setFormat(int(i), int(end - i), m_formats[int(Token::Number)]);
            i = end;
        } else if (QStringView(u"{}[]:,").contains(c)) {
            setFormat(int(i), 1, m_formats[int(Token::Punctuation)]);
            ++i;
        } else {
            qsizetype end = i;
            while (end < n && text[end].isLetter())
                ++end;
            const QStringView word = QStringView(text).mid(i, end - i);
            if ((word == u"true" || word == u"false" || word == u"null") && isDelimiter(end))
                setFormat(int(i), int(end - i), m_formats[int(Token::Literal)]);
            i = std::max(end, i + 1);
        }
    }
}

QString JsonCheck::summary() const
{
    if (empty)
        return QObject::tr("Empty event: FC sends zero bytes.");
    if (valid)
        return QObject::tr("Valid JSON.");
    return QObject::tr("Not JSON (line %1, column %2: %3). FC accepts any bytes, so it is sent "
                       "as written.")
        .arg(line)
        .arg(column)
        .arg(message);
}

JsonCheck checkJson(const QByteArray &bytes)
{
    JsonCheck check;
    if (bytes.isEmpty()) {
        check.empty = true;
        check.valid = true;
        return check;
    }
    try {
        const auto parsed = nlohmann::json::parse(bytes.begin(), bytes.end());
        Q_UNUSED(parsed);
        check.valid = true;
        return check;
    } catch (const nlohmann::json::parse_error &error) {
        // error.byte is the 1-based offset of the byte the parser stopped at (one past the end
        // for a truncated document).
        const qsizetype stop = std::clamp<qsizetype>(qsizetype(error.byte) - 1, 0, bytes.size());
        const qsizetype lineStart = bytes.lastIndexOf('\n', stop - 1) + 1;
        check.line = int(bytes.left(stop).count('\n')) + 1;
        check.column = int(QString::fromUtf8(bytes.mid(lineStart, stop - lineStart)).size()) + 1;
        // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while
        // parsing value - invalid literal; last read: 'x'": keep what follows the position.
        QString what = QString::fromUtf8(error.what());
        const qsizetype column = what.indexOf(u"column "_qs);
        const qsizetype colon = column < 0 ? -1 : what.indexOf(u": "_qs, column);
        if (colon >= 0)
            what = what.mid(colon + 2);
        check.message = what;
        return check;
    } catch (const nlohmann::json::exception &error) {
        check.line = 1;
        check.column = 1;
        check.message = QString::fromUtf8(error.what());
        return check;
    }
}

} // namespace Fcemu::Ui
