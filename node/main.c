/* main.c — courtsync's entry point. */
#include <locale.h>

#include "courtsync/crypto.h"
#include "cli.h"

int
main(int argc, char **argv)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	if (crypto_init() == -1)
		return CLI_SYSTEM;
	return cli_main(argc, argv);
}
