#pragma once

#include <optional>

#include <QWidget>

#include "telemetry/InvocationRecord.h"

class QCheckBox;
class QLabel;
class QMenu;
class QSplitter;
class QStackedWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace Fcemu::Ui {

// The Headers inspector: one request's headers in three groups, in the order they travelled:
// what the client sent, beside it what the container received (FC's x-fc-* headers emphasised,
// the credentials masked until "Reveal secrets" is on), and below that what the function
// answered. Side by side when the panel is wide enough, one above the other when it is narrow.
// It keeps a copy of what it shows, so a record dropped from the store later leaves nothing
// dangling.
class HeadersInspector final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeadersInspector)

public:
    enum Section { ClientSection, ContainerSection, ResponseSection };
    // Item data: the real value (the text may be masked) and whether it is a secret.
    static constexpr int ValueRole = Qt::UserRole + 1;
    static constexpr int SecretRole = Qt::UserRole + 2;

    explicit HeadersInspector(QWidget *parent = nullptr);

    void showRecord(const Telemetry::InvocationRecord *record);

    bool secretsRevealed() const;
    void setSecretsRevealed(bool reveal);
    // The client's request (left), and the container's request and the response (right).
    QTreeWidget *clientTree() const { return m_clientTree; }
    QTreeWidget *containerTree() const { return m_containerTree; }
    Qt::Orientation orientation() const;
    // The group item of a section (its children are the header rows), or nullptr when nothing
    // is shown.
    QTreeWidgetItem *sectionItem(Section section) const;

    // Wider than this the two trees stand side by side.
    static constexpr int kSideBySideWidth = 720;

    bool isShowingRecord() const;

    // Headers whose value is a credential: x-fc-access-key-id, x-fc-access-key-secret,
    // x-fc-security-token (case-insensitive).
    static bool isSecretHeader(const QString &name);
    static QString maskedValue() { return u"••••"_qs; }

    // The context menu of a header row (Copy value, Copy "name: value", Copy name; the first
    // two disabled while the row's secret is masked), or nullptr for other rows.
    QMenu *createContextMenu(QTreeWidgetItem *item, QWidget *parent);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override; // a theme switch recolours the x-fc-* names

private:
    void rebuild();
    // Shares the space between the trees: one above the other, the client's request gets what
    // its rows need (at most 45%); side by side, 2:3.
    void fitSplit();
    void updateSecrets();
    void showContextMenu(QTreeWidget *tree, const QPoint &pos);
    QTreeWidgetItem *addHeader(QTreeWidgetItem *section, const QString &name, const QString &value,
                               bool emphasise);

    QStackedWidget *m_stack;
    QLabel *m_empty;
    QLabel *m_title;
    QCheckBox *m_reveal;
    QSplitter *m_split;
    QTreeWidget *m_clientTree;
    QTreeWidget *m_containerTree;

    struct Shown
    {
        // Declared, so std::optional<Shown> sees it as default-constructible inside this class
        // (clang decides that before the member initialisers below are parsed).
        Shown() {}
        QString requestId;
        QString kind;
        std::optional<Telemetry::ClientRequest> client;
        Telemetry::HeaderList requestHeaders;
        int statusCode = 0;
        Telemetry::HeaderList responseHeaders;
        qsizetype responseBytes = 0;
        std::optional<Telemetry::InvocationError> error;
    };
    std::optional<Shown> m_shown;
};

} // namespace Fcemu::Ui
