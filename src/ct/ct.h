/*
 * ct -- the container layer's entry point for main.c.
 */
#ifndef STRATA_CT_CT_H
#define STRATA_CT_CT_H

int ct_main(int argc, char **argv);

#endif
