#include "RegistryDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "registry/Reference.h"

namespace Fcemu::Ui {

RegistryDialog::RegistryDialog(QWidget *parent)
    : QDialog(parent), m_reference(new QLineEdit(this)),
      m_insecure(new QCheckBox(tr("Insecure (plain HTTP)"), this)), m_problem(new QLabel(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Open from Registry"));
    m_reference->setObjectName(u"registryReference"_qs);
    m_insecure->setObjectName(u"registryInsecure"_qs);
    m_reference->setPlaceholderText(u"registry.cn-hangzhou.aliyuncs.com/namespace/app:tag"_qs);
    m_reference->setMinimumWidth(420);
    m_insecure->setToolTip(tr("Only for a registry you trust, such as one on this machine"));
    m_problem->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("&Image:"), m_reference);
    form->addRow(QString(), m_insecure);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(new QLabel(tr("Credentials come from docker login or podman login."), this));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_reference, &QLineEdit::textChanged, this, &RegistryDialog::validate);
    validate();
}

QString RegistryDialog::reference() const
{
    return m_reference->text().trimmed();
}

bool RegistryDialog::insecure() const
{
    return m_insecure->isChecked();
}

void RegistryDialog::setReference(const QString &reference)
{
    m_reference->setText(reference);
}

void RegistryDialog::validate()
{
    const QString text = reference();
    const auto parsed = text.isEmpty() ? Result<Registry::Reference>(std::unexpected(Error{}))
                                       : Registry::Reference::parse(text);
    m_buttons->button(QDialogButtonBox::Open)->setEnabled(parsed.has_value());
    m_problem->setText(text.isEmpty() || parsed ? QString() : parsed.error().message);
    m_problem->setVisible(!m_problem->text().isEmpty());
}

} // namespace Fcemu::Ui
