#include "Theme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

namespace Fcemu::Ui {

namespace {

QPalette g_systemPalette;
bool g_systemPaletteSaved = false;

} // namespace

QString themeName(Theme theme)
{
    switch (theme) {
    case Theme::System:
        return u"system"_qs;
    case Theme::Light:
        return u"light"_qs;
    case Theme::Dark:
        return u"dark"_qs;
    }
    return u"system"_qs;
}

Theme themeFromName(const QString &name)
{
    if (name == u"light"_qs)
        return Theme::Light;
    if (name == u"dark"_qs)
        return Theme::Dark;
    return Theme::System;
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31);
    const QColor base(0x1e, 0x1f, 0x22);
    const QColor text(0xe6, 0xe6, 0xe6);
    const QColor disabled(0x80, 0x80, 0x80);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2c));
    p.setColor(QPalette::ToolTipBase, QColor(0x3c, 0x3f, 0x44));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3c));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    p.setColor(QPalette::Light, QColor(0x45, 0x48, 0x4e));
    p.setColor(QPalette::Midlight, QColor(0x3a, 0x3c, 0x42));
    p.setColor(QPalette::Mid, QColor(0x25, 0x26, 0x2a));
    p.setColor(QPalette::Dark, QColor(0x19, 0x1a, 0x1d));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xc4));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6c, 0xb0, 0xff));
    p.setColor(QPalette::LinkVisited, QColor(0xb0, 0x8c, 0xf0));
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

QPalette lightPalette()
{
    QPalette p = QApplication::style() ? QApplication::style()->standardPalette() : QPalette();
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xc4));
    p.setColor(QPalette::HighlightedText, Qt::white);
    return p;
}

void applyTheme(Theme theme)
{
    if (!g_systemPaletteSaved) {
        g_systemPalette = QApplication::palette();
        g_systemPaletteSaved = true;
    }
    if (theme != Theme::System)
        QApplication::setStyle(QStyleFactory::create(u"Fusion"_qs));
    switch (theme) {
    case Theme::System:
        QApplication::setPalette(g_systemPalette);
        break;
    case Theme::Light:
        QApplication::setPalette(lightPalette());
        break;
    case Theme::Dark:
        QApplication::setPalette(darkPalette());
        break;
    }
}

} // namespace Fcemu::Ui
