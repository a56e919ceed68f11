// File ▸ Open from Registry: the dialog only opens a reference the puller accepts.
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>

#include "window/RegistryDialog.h"

using namespace Fcemu::Ui;

class TestRegistryDialog final : public QObject
{
    Q_OBJECT

private slots:
    void openOnlyAValidReference()
    {
        RegistryDialog dialog;
        auto *edit = dialog.findChild<QLineEdit *>(u"registryReference"_qs);
        auto *insecure = dialog.findChild<QCheckBox *>(u"registryInsecure"_qs);
        auto *buttons = dialog.findChild<QDialogButtonBox *>();
        QVERIFY(edit && insecure && buttons);
        QPushButton *open = buttons->button(QDialogButtonBox::Open);
        QVERIFY(!open->isEnabled()); // empty
        QTest::keyClicks(edit, u"localhost:5000/Bad:v1"_qs);
        QVERIFY(!open->isEnabled());
        edit->clear();
        QTest::keyClicks(edit, u"127.0.0.1:5000/demo/app:v1"_qs);
        QVERIFY(open->isEnabled());
        QVERIFY(!dialog.insecure());
        insecure->setChecked(true);
        QVERIFY(dialog.insecure());
        QCOMPARE(dialog.reference(), u"127.0.0.1:5000/demo/app:v1"_qs);
    }
};

QTEST_MAIN(TestRegistryDialog)
#include "TestRegistryDialog.moc"
