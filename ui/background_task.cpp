#include "ui/background_task.h"

namespace pictor::ui::detail {

TaskSink::TaskSink(QObject* receiver) : QObject(receiver), m_mailbox(std::make_shared<TaskMailbox>(this)) {}

// Closes the mailbox before QObject's destructor drops the events already posted to this sink:
// after that, nothing can be posted to it any more.
TaskSink::~TaskSink() { m_mailbox->close(); }

}  // namespace pictor::ui::detail
