#include "HeadersInspector.h"

#include <QCheckBox>
#include <QClipboard>
#include <QEvent>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QSplitter>
#include <QStackedWidget>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>

#include "common/Format.h"
#include "http/HttpMessage.h"

namespace Fcemu::Ui {

namespace {

QString byteCount(qsizetype bytes)
{
    return bytes == 1 ? QObject::tr("1 byte") : QObject::tr("%1 bytes").arg(bytes);
}

} // namespace

HeadersInspector::HeadersInspector(QWidget *parent)
    : QWidget(parent), m_stack(new QStackedWidget(this)), m_empty(new QLabel(this)),
      m_title(new QLabel(this)), m_reveal(new QCheckBox(tr("Reveal secrets"), this)),
      m_split(new QSplitter(this)), m_clientTree(new QTreeWidget(m_split)),
      m_containerTree(new QTreeWidget(m_split))
{
    m_empty->setText(tr("Select a request to see its headers."));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setEnabled(false); // the disabled text colour reads as a placeholder

    m_title->setTextFormat(Qt::PlainText);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reveal->setToolTip(tr("Show the temporary credentials FC passes in x-fc-access-key-id, "
                            "x-fc-access-key-secret and x-fc-security-token."));
    for (QTreeWidget *tree : {m_clientTree, m_containerTree}) {
        tree->setColumnCount(2);
        tree->setHeaderLabels({tr("Name"), tr("Value")});
        tree->setRootIsDecorated(true);
        tree->setUniformRowHeights(true);
        tree->setAlternatingRowColors(true);
        tree->setSelectionMode(QAbstractItemView::SingleSelection);
        tree->setContextMenuPolicy(Qt::CustomContextMenu);
        tree->setTextElideMode(Qt::ElideMiddle);
        tree->header()->setStretchLastSection(true);
        connect(tree, &QWidget::customContextMenuRequested, this,
                [this, tree](const QPoint &pos) { showContextMenu(tree, pos); });
    }
    m_clientTree->setObjectName(u"clientHeaders"_qs);
    m_containerTree->setObjectName(u"containerHeaders"_qs);
    m_split->setChildrenCollapsible(false);
    m_split->setStretchFactor(0, 2); // the container's list is the longer one
    m_split->setStretchFactor(1, 3);

    auto *page = new QWidget(this);
    // The request id on a line of its own: beside the check box it set the dock's width.
    auto *top = new QVBoxLayout;
    top->addWidget(m_title);
    top->addWidget(m_reveal);
    auto *pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addLayout(top);
    pageLayout->addWidget(m_split, 1);

    m_stack->addWidget(m_empty);
    m_stack->addWidget(page);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);

    connect(m_reveal, &QCheckBox::toggled, this, &HeadersInspector::updateSecrets);
    m_split->setOrientation(Qt::Vertical);
}

void HeadersInspector::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    const Qt::Orientation wanted = width() >= kSideBySideWidth ? Qt::Horizontal : Qt::Vertical;
    if (m_split->orientation() != wanted) {
        m_split->setOrientation(wanted);
        fitSplit();
    }
}

void HeadersInspector::fitSplit()
{
    const bool across = m_split->orientation() == Qt::Horizontal;
    const int total = across ? m_split->width() : m_split->height();
    if (total <= 0)
        return;
    int first = total * 2 / 5;
    if (!across) {
        int rows = 0;
        for (QTreeWidgetItemIterator it(m_clientTree); *it; ++it)
            ++rows;
        const int rowHeight = std::max(m_clientTree->sizeHintForRow(0), fontMetrics().height());
        const int needed = m_clientTree->header()->sizeHint().height() + rows * rowHeight +
                           2 * m_clientTree->frameWidth() + rowHeight / 2;
        first = std::min(needed, total * 45 / 100);
    }
    m_split->setSizes({first, total - first - m_split->handleWidth()});
}

void HeadersInspector::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_shown)
        rebuild();
}

Qt::Orientation HeadersInspector::orientation() const
{
    return m_split->orientation();
}

bool HeadersInspector::isSecretHeader(const QString &name)
{
    return name.compare(u"x-fc-access-key-secret"_qs, Qt::CaseInsensitive) == 0 ||
           name.compare(u"x-fc-security-token"_qs, Qt::CaseInsensitive) == 0 ||
           name.compare(u"x-fc-access-key-id"_qs, Qt::CaseInsensitive) == 0;
}

void HeadersInspector::showRecord(const Telemetry::InvocationRecord *record)
{
    if (!record) {
        m_shown.reset();
    } else {
        // Filled in place: GCC 12 warns (wrongly) about a braced temporary holding optionals.
        Shown &shown = m_shown.emplace();
        shown.requestId = record->requestId;
        shown.kind = record->kind;
        shown.client = record->client;
        shown.requestHeaders = record->requestHeaders;
        shown.statusCode = record->statusCode;
        shown.responseHeaders = record->responseHeaders;
        shown.responseBytes = record->body.size();
        shown.error = record->error;
    }
    rebuild();
}

bool HeadersInspector::secretsRevealed() const
{
    return m_reveal->isChecked();
}

void HeadersInspector::setSecretsRevealed(bool reveal)
{
    m_reveal->setChecked(reveal);
}

bool HeadersInspector::isShowingRecord() const
{
    return m_shown.has_value();
}

QTreeWidgetItem *HeadersInspector::sectionItem(Section section) const
{
    if (section == ClientSection)
        return m_clientTree->topLevelItem(0);
    return m_containerTree->topLevelItem(section == ContainerSection ? 0 : 1);
}

QTreeWidgetItem *HeadersInspector::addHeader(QTreeWidgetItem *section, const QString &name,
                                             const QString &value, bool emphasise)
{
    auto *item = new QTreeWidgetItem(section, {name, value});
    item->setData(1, ValueRole, value);
    const bool secret = isSecretHeader(name);
    item->setData(1, SecretRole, secret);
    item->setToolTip(1, secret ? tr("A credential: shown with \"Reveal secrets\"") : value);
    if (emphasise) {
        QFont font = item->font(0);
        font.setBold(true);
        item->setFont(0, font);
        item->setForeground(0, isDarkPalette(palette()) ? QColor(0x7c, 0xb8, 0xff)
                                                        : QColor(0x1f, 0x5f, 0xa8));
    }
    return item;
}

void HeadersInspector::rebuild()
{
    m_clientTree->clear();
    m_containerTree->clear();
    if (!m_shown) {
        m_stack->setCurrentWidget(m_empty);
        return;
    }
    m_stack->setCurrentIndex(1);
    const Shown &s = *m_shown;
    m_title->setText(s.kind + u"  "_qs + s.requestId);

    const auto section = [](QTreeWidget *tree, const QString &title) {
        auto *item = new QTreeWidgetItem(tree, {title});
        item->setFirstColumnSpanned(true);
        QFont font = item->font(0);
        font.setBold(true);
        item->setFont(0, font);
        item->setFlags(Qt::ItemIsEnabled);
        return item;
    };
    const auto note = [](QTreeWidgetItem *parent, const QString &text) {
        auto *item = new QTreeWidgetItem(parent, {text});
        item->setFirstColumnSpanned(true);
        item->setFlags(Qt::ItemIsEnabled);
        QFont font = item->font(0);
        font.setItalic(true);
        item->setFont(0, font);
        return item;
    };

    // 1. The client's original request.
    if (s.client) {
        QTreeWidgetItem *client =
            section(m_clientTree, tr("Client request: %1 %2%3")
                                      .arg(s.client->method, s.client->target,
                                           s.client->async ? tr(" (asynchronous)") : QString()));
        for (const auto &[name, value] : s.client->headers)
            addHeader(client, QString::fromUtf8(name), QString::fromUtf8(value), false);
        if (s.client->headers.isEmpty())
            note(client, tr("No headers"));
        note(client, tr("Body: %1").arg(byteCount(s.client->body.size())));
    } else {
        QTreeWidgetItem *client = section(m_clientTree, tr("Client request"));
        note(client, tr("Not recorded for this request"));
    }

    // 2. What the container received.
    int fcHeaders = 0;
    for (const auto &header : s.requestHeaders) {
        if (Http::Headers::isFcName(header.first))
            ++fcHeaders;
    }
    QTreeWidgetItem *container =
        section(m_containerTree, tr("Container received: %1 headers, %2 from FC (x-fc-*)")
                                     .arg(s.requestHeaders.size())
                                     .arg(fcHeaders));
    for (const auto &[name, value] : s.requestHeaders)
        addHeader(container, QString::fromUtf8(name), QString::fromUtf8(value),
                  Http::Headers::isFcName(name));
    if (s.requestHeaders.isEmpty())
        note(container, tr("Nothing reached the container"));

    // 3. The answer.
    QTreeWidgetItem *response =
        section(m_containerTree, tr("Response: HTTP/1.1 %1 %2")
                                     .arg(s.statusCode)
                                     .arg(QString::fromLatin1(Http::reasonPhrase(s.statusCode))));
    if (s.error) {
        QTreeWidgetItem *error =
            note(response, tr("Error %1: %2").arg(s.error->code, s.error->message));
        error->setForeground(0, errorTextColor(palette()));
    }
    for (const auto &[name, value] : s.responseHeaders)
        addHeader(response, QString::fromUtf8(name), QString::fromUtf8(value), false);
    note(response, tr("Body: %1").arg(byteCount(s.responseBytes)));

    for (QTreeWidget *tree : {m_clientTree, m_containerTree}) {
        tree->expandAll();
        // Fit the names, the bold x-fc-* ones included (the section titles span both columns).
        tree->resizeColumnToContents(0);
    }
    fitSplit();
    updateSecrets();
}

void HeadersInspector::updateSecrets()
{
    const bool reveal = m_reveal->isChecked();
    for (const Section which : {ClientSection, ContainerSection, ResponseSection}) {
        QTreeWidgetItem *section = sectionItem(which);
        if (!section)
            continue;
        for (int j = 0; j < section->childCount(); ++j) {
            QTreeWidgetItem *item = section->child(j);
            if (!item->data(1, SecretRole).toBool())
                continue;
            const QString value = item->data(1, ValueRole).toString();
            item->setText(1, reveal || value.isEmpty() ? value : maskedValue());
        }
    }
}

QMenu *HeadersInspector::createContextMenu(QTreeWidgetItem *item, QWidget *parent)
{
    if (!item || !item->parent() || item->data(1, ValueRole).isNull())
        return nullptr;
    const QString name = item->text(0);
    const QString value = item->data(1, ValueRole).toString();
    const bool hidden = item->data(1, SecretRole).toBool() && !m_reveal->isChecked();
    auto *menu = new QMenu(parent);
    const auto add = [menu](const QString &text, const QString &copied, bool enabled) {
        QAction *action = menu->addAction(text);
        action->setEnabled(enabled);
        connect(action, &QAction::triggered, menu,
                [copied]() { QGuiApplication::clipboard()->setText(copied); });
    };
    add(hidden ? tr("Copy value (reveal secrets first)") : tr("Copy value"), value, !hidden);
    add(tr("Copy \"name: value\""), name + u": "_qs + value, !hidden);
    add(tr("Copy name"), name, true);
    return menu;
}

void HeadersInspector::showContextMenu(QTreeWidget *tree, const QPoint &pos)
{
    const std::unique_ptr<QMenu> menu(createContextMenu(tree->itemAt(pos), this));
    if (menu)
        menu->exec(tree->viewport()->mapToGlobal(pos));
}

} // namespace Fcemu::Ui
