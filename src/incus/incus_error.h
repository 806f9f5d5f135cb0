/*
 * incus_error.h - what an Incus failure means, as one negative errno.
 *
 * Private to src/incus (and its tests). The table of meanings is in
 * incus.h. Incus reports most state conflicts as a plain 400 (or as a
 * failed operation, whose status code is always 400), so the text has to
 * be read too; the phrases recognized are those of LXD 5.0 and Incus 6.
 */
#ifndef CONTAINARIUM_INCUS_ERROR_H
#define CONTAINARIUM_INCUS_ERROR_H

#include <stdbool.h>

/*
 * The errno a text matches: -EEXIST ("already exists"), -EBUSY (an
 * instance state conflict), -ENOENT ("not found") when allow_not_found,
 * -EINVAL (starts with "Invalid ") when allow_invalid; 0 for none.
 */
int incus_error_from_text(const char *text, bool allow_not_found,
    bool allow_invalid);

/*
 * The errno of an error response: code is the envelope's error_code, or
 * the HTTP status when that is 0; text is Incus's "error" (may be NULL).
 */
int incus_error_from_status(int code, const char *text);

/*
 * The errno of a final operation that did not succeed: status_code 401 is
 * -ECANCELED; a failure (400) is read from its err text, -EIO when the text
 * matches nothing known.
 */
int incus_error_from_operation(int status_code, const char *err);

#endif
