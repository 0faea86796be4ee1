package org.virtiotrace.core.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A 32-bit id given in decimal or 0x hex, as ids are written in docs and trace-cmd output. */
public final class IntegerLiteral implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        try {
            long v = Long.decode(value.strip());
            if (v < 0 || v > 0xffff_ffffL) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a 32-bit id (decimal or 0x hex)");
        }
    }
}
