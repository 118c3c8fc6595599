/* qr.c: a presentation token as a QR code, for a terminal or in SVG. */
#include <errno.h>
#include <string.h>

#include <qrencode.h>

#include "ecert_priv.h"

static QRcode *
encode(const char *text, struct ecert_error *e)
{
	/* level M survives a scratched phone screen; mode 8 lets
	 * libqrencode pick the alphanumeric mode for the base45 part */
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

	if (qr == NULL)
		ecert_fail(e, ECERT_DATAERR, "QR code: %s", strerror(errno));
	return qr;
}

static int
dark(const QRcode *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[y * qr->width + x] & 1;
}

/*
 * Two rows of modules per line with half blocks, with the four-module
 * quiet zone the standard asks for.  The terminal's text colour draws:
 * on a dark terminal the light modules are drawn and the dark ones left
 * blank; on a light terminal (light_bg) the dark ones are drawn.
 */
static int
terminal(FILE *out, const char *text, int light_bg, struct ecert_error *e)
{
	QRcode *qr = encode(text, e);
	int x, y, top, bottom;

	if (qr == NULL)
		return e->status;
	for (y = -4; y < qr->width + 4; y += 2) {
		for (x = -4; x < qr->width + 4; x++) {
			top = dark(qr, x, y) == light_bg;
			bottom = y + 1 < qr->width + 4 &&
			    dark(qr, x, y + 1) == light_bg;
			fputs(top && bottom ? "\xe2\x96\x88" : top ?
			    "\xe2\x96\x80" : bottom ? "\xe2\x96\x84" : " ", out);
		}
		fputc('\n', out);
	}
	QRcode_free(qr);
	return 0;
}

int
ecert_qr_terminal(FILE *out, const char *text, struct ecert_error *e)
{
	return terminal(out, text, 0, e);
}

int
ecert_qr_terminal_light(FILE *out, const char *text, struct ecert_error *e)
{
	return terminal(out, text, 1, e);
}

/*
 * Standalone: a whole SVG file; else a <g> for a face whose modules fill
 * 100 by 100 from the origin, the white quiet zone lying around that
 * square, so that the modules are as large as the template's box allows.
 */
char *
ecert_qr_svg(const char *text, int standalone, struct ecert_error *e)
{
	QRcode *qr = encode(text, e);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int x, y, size;

	if (qr == NULL)
		return NULL;
	size = qr->width + 8;
	if ((fp = open_memstream(&buf, &len)) == NULL) {
		QRcode_free(qr);
		ecert_fail(e, ECERT_IOERR, "open_memstream: %s",
		    strerror(errno));
		return NULL;
	}
	if (standalone)
		fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\""
		    " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		    size * 8, size * 8, size, size);
	else
		fprintf(fp, "<g transform=\"scale(%.6f) translate(-4 -4)\">"
		    "\n", 100.0 / qr->width);
	/* crisp edges: a module never blurs into its neighbours, so a
	 * rendering at a small size (a face at 96 dpi) still scans */
	fprintf(fp, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
	    "<path fill=\"#000\" shape-rendering=\"crispEdges\" d=\"",
	    size, size);
	for (y = 0; y < qr->width; y++)
		for (x = 0; x < qr->width; x++)
			if (dark(qr, x, y))
				fprintf(fp, "M%d %dh1v1h-1z", x + 4, y + 4);
	fprintf(fp, "\"/>\n%s\n", standalone ? "</svg>" : "</g>");
	fclose(fp);
	QRcode_free(qr);
	return buf;
}
