package org.virtiotrace.host.attach;

import java.io.IOException;

/** QEMU refused a QMP command: its error class and its own words. */
public final class QmpException extends IOException {
    private final String command;
    private final String errorClass;
    private final String desc;

    QmpException(String command, String errorClass, String desc) {
        super(command + ": " + desc + " [" + errorClass + "]");
        this.command = command;
        this.errorClass = errorClass;
        this.desc = desc;
    }

    public String command() {
        return command;
    }

    public String errorClass() {
        return errorClass;
    }

    /** QEMU's text. QMP's spec says not to parse it; used only where no error class tells the cases apart. */
    public String desc() {
        return desc;
    }
}
