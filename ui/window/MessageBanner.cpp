#include "MessageBanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace Fcemu::Ui {

MessageBanner::MessageBanner(QWidget *parent) : QFrame(parent), m_label(new QLabel(this))
{
    setObjectName(u"messageBanner"_qs);
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *close = new QToolButton(this);
    close->setText(u"✕"_qs);
    close->setAutoRaise(true);
    close->setToolTip(tr("Close"));
    connect(close, &QToolButton::clicked, this, &QWidget::hide);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 6, 6);
    layout->addWidget(m_label, 1);
    layout->addWidget(close, 0, Qt::AlignTop);
    hide();
}

void MessageBanner::showMessage(const QString &text, Kind kind)
{
    m_label->setText(text);
    // Tinted backgrounds that read on light and dark palettes alike.
    const QString colours = kind == Kind::Error
                                ? u"background: rgba(220, 60, 50, 40); border: 1px solid "
                                  u"rgba(220, 60, 50, 160);"_qs
                                : u"background: rgba(50, 120, 220, 35); border: 1px solid "
                                  u"rgba(50, 120, 220, 140);"_qs;
    setStyleSheet(u"#messageBanner { border-radius: 4px; "_qs + colours + u" }"_qs);
    show();
}

QString MessageBanner::text() const
{
    return isVisible() ? m_label->text() : QString();
}

} // namespace Fcemu::Ui
