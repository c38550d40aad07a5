# Reference values for outcomes_tests, from R's survival package.
# Usage: Rscript survival_reference.R cohorts.csv reference.txt
# Input: CSV with columns cohort, time, status (1 event, 0 censored), arm (integer), age (NA when
# the cohort has no second covariate). Output: one "name value" line per number (17 significant
# digits; NA where R gives NA), for every cohort:
#   <c>.km.<a>.*        Kaplan-Meier of arm <a> ("a0", "a1", ...) and of all subjects ("all"):
#                       every row of summary(fit, censored = TRUE), median and its CI (as
#                       print(fit) shows them: summary(fit)$table), the 365/730/1095-day rates
#   <c>.lr.*            survdiff(Surv(time, status) ~ arm)
#   <c>.cox.<ties>.*    coxph(Surv(time, status) ~ arm [+ age]) with ties efron and breslow
#                       (cohorts with two arms only)
# and pchisq.* for a grid of chi-square upper tails.
suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript survival_reference.R cohorts.csv reference.txt")
d <- read.csv(args[1], stringsAsFactors = FALSE)
out <- character(0)
put <- function(name, value) {
  stopifnot(length(value) == 1)
  out <<- c(out, paste(name, format(unname(value), digits = 17)))
}

km <- function(prefix, sub) {
  fit <- survfit(Surv(time, status) ~ 1, data = sub)
  s <- summary(fit, censored = TRUE)
  put(paste0(prefix, ".n"), length(s$time))
  for (i in seq_along(s$time)) {
    p <- paste0(prefix, ".", i - 1)
    put(paste0(p, ".time"), s$time[i])
    put(paste0(p, ".n.risk"), s$n.risk[i])
    put(paste0(p, ".n.event"), s$n.event[i])
    put(paste0(p, ".n.censor"), s$n.censor[i])
    put(paste0(p, ".surv"), s$surv[i])
    put(paste0(p, ".std.err"), s$std.err[i])
    put(paste0(p, ".lower"), s$lower[i])
    put(paste0(p, ".upper"), s$upper[i])
  }
  tab <- summary(fit)$table
  put(paste0(prefix, ".median"), tab["median"])
  put(paste0(prefix, ".lcl"), tab["0.95LCL"])
  put(paste0(prefix, ".ucl"), tab["0.95UCL"])
  for (t in c(365, 730, 1095)) {
    p <- paste0(prefix, ".at", t)
    # summary() drops (or, when none is left, refuses) times after the last one
    present <- t <= max(fit$time)
    put(paste0(p, ".present"), as.integer(present))
    if (present) {
      st <- summary(fit, times = t)
      stopifnot(length(st$time) == 1, st$time[1] == t)
      put(paste0(p, ".n.risk"), st$n.risk[1])
      put(paste0(p, ".surv"), st$surv[1])
      put(paste0(p, ".std.err"), st$std.err[1])
      put(paste0(p, ".lower"), st$lower[1])
      put(paste0(p, ".upper"), st$upper[1])
    }
  }
}

logrank <- function(prefix, sub) {
  sd <- survdiff(Surv(time, status) ~ arm, data = sub)
  arms <- sort(unique(sub$arm))
  df <- sum(sd$exp > 0) - 1
  put(paste0(prefix, ".chisq"), sd$chisq)
  put(paste0(prefix, ".df"), df)
  put(paste0(prefix, ".p"), pchisq(sd$chisq, df, lower.tail = FALSE))
  for (i in seq_along(arms)) {
    put(paste0(prefix, ".obs.", i - 1), sd$obs[i])
    put(paste0(prefix, ".exp.", i - 1), sd$exp[i])
    for (j in seq_along(arms)) put(paste0(prefix, ".var.", i - 1, ".", j - 1), sd$var[i, j])
  }
}

cox <- function(prefix, sub, ties) {
  f <- if (all(is.na(sub$age))) Surv(time, status) ~ arm else Surv(time, status) ~ arm + age
  fit <- coxph(f, data = sub, ties = ties)
  sm <- summary(fit)
  cf <- sm$coefficients
  ci <- sm$conf.int
  put(paste0(prefix, ".p"), length(coef(fit)))
  for (j in seq_along(coef(fit))) {
    p <- paste0(prefix, ".", j - 1)
    put(paste0(p, ".coef"), cf[j, "coef"])
    put(paste0(p, ".se"), cf[j, "se(coef)"])
    put(paste0(p, ".hr"), cf[j, "exp(coef)"])
    put(paste0(p, ".lower"), ci[j, "lower .95"])
    put(paste0(p, ".upper"), ci[j, "upper .95"])
    put(paste0(p, ".z"), cf[j, "z"])
    put(paste0(p, ".p"), cf[j, "Pr(>|z|)"])
  }
  put(paste0(prefix, ".loglik0"), fit$loglik[1])
  put(paste0(prefix, ".loglik"), fit$loglik[2])
  put(paste0(prefix, ".wald"), fit$wald.test)  # sm$waldtest["test"] is rounded to 2 digits
  put(paste0(prefix, ".wald.p"), sm$waldtest["pvalue"])
  put(paste0(prefix, ".score"), fit$score)
  put(paste0(prefix, ".score.p"), sm$sctest["pvalue"])
  put(paste0(prefix, ".lr"), 2 * (fit$loglik[2] - fit$loglik[1]))
  put(paste0(prefix, ".lr.p"), sm$logtest["pvalue"])
  put(paste0(prefix, ".iter"), fit$iter)
}

for (cohort in unique(d$cohort)) {
  sub <- d[d$cohort == cohort, ]
  arms <- sort(unique(sub$arm))
  for (a in arms) km(paste0(cohort, ".km.a", a), sub[sub$arm == a, ])
  km(paste0(cohort, ".km.all"), sub)
  if (length(arms) >= 2) logrank(paste0(cohort, ".lr"), sub)
  if (length(arms) == 2) {
    cox(paste0(cohort, ".cox.efron"), sub, "efron")
    cox(paste0(cohort, ".cox.breslow"), sub, "breslow")
  }
}

# The aml data as the test wrote it must be R's own aml (Maintained = arm 0).
if ("aml" %in% d$cohort) {
  mine <- d[d$cohort == "aml", ]
  key <- function(time, status, arm) sort(paste(time, status, arm))
  put("aml.builtin_match", as.integer(identical(key(mine$time, mine$status, mine$arm),
                                                key(aml$time, aml$status, as.integer(aml$x) - 1))))
}

# Chi-square upper tails for the test of chiSquareUpperTail().
grid <- expand.grid(x = c(1e-6, 0.01, 0.3, 1, 2.5, 3.396, 7.8, 15, 40, 120, 400), df = 1:6)
put("pchisq.n", nrow(grid))
for (i in seq_len(nrow(grid))) {
  put(paste0("pchisq.", i - 1, ".x"), grid$x[i])
  put(paste0("pchisq.", i - 1, ".df"), grid$df[i])
  put(paste0("pchisq.", i - 1, ".q"), pchisq(grid$x[i], grid$df[i], lower.tail = FALSE))
}

writeLines(out, args[2])
