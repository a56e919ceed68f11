#pragma once

#include <QStyledItemDelegate>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QToolButton;

namespace Fcemu::Session {
class FunctionSession;
}

namespace Fcemu::Ui {

class LogModel;
class LogFilterModel;

// Paints one log line: optional timestamp, monospace text with the search matches highlighted,
// FC's framing lines bold on a tinted band with a colour bar, summaries dimmed, errors red. The
// colours come from the palette so dark themes stay readable.
class LogLineDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogLineDelegate)

public:
    explicit LogLineDelegate(QObject *parent = nullptr);

    void setShowTimestamps(bool show) { m_showTimestamps = show; }
    bool showTimestamps() const { return m_showTimestamps; }
    void setSearchText(const QString &text) { m_search = text; }
    // Rows are as wide as the longest line seen (in characters of the monospace font), so the
    // horizontal scroll bar reaches the end of every line although the view asks one row only.
    void setColumns(int columns) { m_columns = columns; }
    int columns() const { return m_columns; }
    void setFont(const QFont &font);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    QFont m_font;
    QFont m_boldFont;
    bool m_showTimestamps = true;
    QString m_search;
    int m_columns = 0;
};

// The Logs dock: every line of the session, live. Follows the tail until the user scrolls up and
// again once they scroll back to the bottom; searches with highlighted matches (Enter / Shift+Enter
// for the next / previous one); filters by the selected request or by instance.
class LogsInspector final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogsInspector)

public:
    explicit LogsInspector(Session::FunctionSession *session, QWidget *parent = nullptr);

    LogModel *model() const { return m_model; }
    QListView *view() const { return m_view; }
    bool isFollowingTail() const { return m_following; }
    // Lines of the shown (filtered) rows that contain the search text.
    int matchCount() const { return m_matchCount; }
    // The shown row of the current match, -1 when none.
    int currentMatchRow() const { return m_currentMatch; }
    void setSearchText(const QString &text);
    // The selected lines' text, one per line, as Ctrl+C and the context menu's Copy put it on
    // the clipboard.
    QString selectedText() const;
    void setShowTimestamps(bool show);
    // Filter combo entries: 0 All, 1 Selected request, 2.. instances.
    void setFilterIndex(int index);

    // Selects and shows the line written at timestampMs with this text (the Timing waterfall's
    // log markers ask for it), under the current filter or else with none. False when the log
    // no longer has it.
    bool showLine(qint64 timestampMs, const QString &text);

public slots:
    void setSelectedRequest(const QString &requestId);
    void findNext();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void find(bool forward);
    void applyFilter();
    void setShownModel(QAbstractItemModel *model);
    const QString &shownText(int row) const;
    int countMatches(int first, int last) const;
    void widenFor(int first, int last);
    void updateMatchCount();
    void updateMatchLabel();
    int matchOrdinal() const;

    LogModel *m_model;
    LogFilterModel *m_filter;
    LogLineDelegate *m_delegate;
    QListView *m_view;
    QLineEdit *m_search;
    QLabel *m_matchLabel;
    QComboBox *m_filterCombo;
    QToolButton *m_timestamps;
    QString m_selectedRequest;
    bool m_following = true;
    int m_matchCount = 0;
    int m_currentMatch = -1;
};

} // namespace Fcemu::Ui
