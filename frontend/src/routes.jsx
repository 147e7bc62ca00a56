// The route table: path pattern, view, and the roles allowed (none means
// anyone). Order matters where patterns overlap (/requests/new first).

import { Home, RequestDetail, Accessibility } from './views/public.jsx';
import { SignIn, Register, Registered, SignOut } from './views/auth.jsx';
import { MyRequests, NewRequestStart, NewRequestStep, CheckRequest, RequestSent, RequestEdit } from './views/group.jsx';
import { SupplierRequests, PledgeForm, MyPledges } from './views/supplier.jsx';
import { Dashboard, ReasonForm, PledgeApprove, Allocation, AllocationReview, Audit } from './views/officer.jsx';
import { Profile, Weights, AreasImport, CouncilSettings } from './views/settings.jsx';
import { DeliveryForm, DeliveryDetail, DeliveryReason, Overdue, Ledger, SupplierRecord, PublicValue, CouncilSummary } from './views/value.jsx';
import { Wards } from './views/wards.jsx';
import { ContractList, ContractForm, ContractPage, Award, Directorates, Pipeline } from './views/contracts.jsx';
import { BidBuilder } from './views/bids.jsx';
import { ReturnForm } from './views/kpis.jsx';
import { Organisations, OrganisationDetail, PledgeMessages } from './views/people.jsx';
import { OfficerRequests, Users, Measures } from './views/admin.jsx';
import { Region, RegionSummary, Councils } from './views/region.jsx';
import { ContractsImport, PaymentsImport } from './views/imports.jsx';
import { ForgotPassword, ResetPassword, SentMail, EmailSettings, Unsubscribe } from './views/mail.jsx';
import { VerifyEmail } from './views/verify.jsx';
import { Platform, NewCouncil, NewRegion, Council } from './views/platform.jsx';

const GROUP = ['group'];
const SUPPLIER = ['supplier'];
const OFFICER = ['officer', 'admin'];

const RejectOrganisation = (p) => <ReasonForm {...p} kind="organisation" />;
const RejectRequest = (p) => <ReasonForm {...p} kind="request" />;
const DeclinePledge = (p) => <ReasonForm {...p} kind="pledge" />;
const DisputeDelivery = (p) => <DeliveryReason {...p} move="dispute" />;
const RejectDelivery = (p) => <DeliveryReason {...p} move="reject" />;

export const routes = [
  { path: '/', view: Home },
  { path: '/accessibility', view: Accessibility },
  { path: '/wards', view: Wards },
  { path: '/sign-in', view: SignIn },
  { path: '/register', view: Register },
  { path: '/registered', view: Registered, roles: ['group', 'supplier'] },
  { path: '/sign-out', view: SignOut },
  { path: '/forgot-password', view: ForgotPassword },
  { path: '/reset-password', view: ResetPassword },
  { path: '/verify-email', view: VerifyEmail },
  { path: '/admin/mail', view: SentMail, roles: ['admin'] },
  { path: '/email-settings', view: EmailSettings, roles: ['group', 'supplier', 'officer', 'admin'] },
  { path: '/unsubscribe', view: Unsubscribe },
  { path: '/requests/new', view: NewRequestStart, roles: GROUP },
  { path: '/requests/new/check', view: CheckRequest, roles: GROUP },
  { path: '/requests/new/:step', view: NewRequestStep, roles: GROUP },
  { path: '/requests/:id', view: RequestDetail },
  { path: '/requests/:id/sent', view: RequestSent, roles: GROUP },
  { path: '/requests/:id/edit', view: RequestEdit, roles: GROUP },
  { path: '/requests/:id/pledge', view: PledgeForm, roles: SUPPLIER },
  { path: '/my/requests', view: MyRequests, roles: GROUP },
  { path: '/supplier/requests', view: SupplierRequests, roles: SUPPLIER },
  { path: '/supplier/pledges', view: MyPledges, roles: SUPPLIER },
  { path: '/officer', view: Dashboard, roles: OFFICER },
  { path: '/officer/organisations', view: Organisations, roles: OFFICER },
  { path: '/officer/organisations/:id', view: OrganisationDetail, roles: OFFICER },
  { path: '/officer/organisations/:id/reject', view: RejectOrganisation, roles: OFFICER },
  { path: '/pledges/:id', view: PledgeMessages, roles: ['group', 'supplier', ...OFFICER] },
  { path: '/officer/requests/:id/reject', view: RejectRequest, roles: OFFICER },
  { path: '/officer/pledges/:id/decline', view: DeclinePledge, roles: OFFICER },
  { path: '/officer/pledges/:id/approve', view: PledgeApprove, roles: OFFICER },
  { path: '/officer/allocation', view: Allocation, roles: OFFICER },
  { path: '/officer/allocations/:id', view: AllocationReview, roles: OFFICER },
  { path: '/officer/audit', view: Audit, roles: OFFICER },
  { path: '/officer/settings', view: CouncilSettings, roles: OFFICER },
  { path: '/officer/areas', view: AreasImport, roles: OFFICER },
  { path: '/officer/imports/contracts', view: ContractsImport, roles: OFFICER },
  { path: '/officer/imports/payments', view: PaymentsImport, roles: OFFICER },
  { path: '/admin/weights', view: Weights, roles: OFFICER },
  { path: '/organisation', view: Profile, roles: ['group', 'supplier'] },
  { path: '/social-value', view: PublicValue },
  { path: '/supplier/pledges/:id/deliver', view: DeliveryForm, roles: SUPPLIER },
  { path: '/supplier/record', view: SupplierRecord, roles: SUPPLIER },
  { path: '/supplier/councils', view: Councils, roles: SUPPLIER },
  { path: '/region', view: Region, roles: ['region_officer'] },
  { path: '/region/summary', view: RegionSummary, roles: ['region_officer'] },
  { path: '/deliveries/:id', view: DeliveryDetail, roles: ['group', 'supplier', ...OFFICER] },
  { path: '/deliveries/:id/dispute', view: DisputeDelivery, roles: GROUP },
  { path: '/deliveries/:id/reject', view: RejectDelivery, roles: OFFICER },
  { path: '/officer/overdue', view: Overdue, roles: OFFICER },
  { path: '/officer/suppliers/:id/record', view: SupplierRecord, roles: OFFICER },
  { path: '/ledger', view: Ledger, roles: ['supplier', ...OFFICER] },
  { path: '/officer/summary', view: CouncilSummary, roles: OFFICER },
  { path: '/pipeline', view: Pipeline },
  { path: '/contracts', view: ContractList, roles: ['supplier', ...OFFICER] },
  { path: '/contracts/new', view: ContractForm, roles: OFFICER },
  { path: '/contracts/directorates', view: Directorates, roles: OFFICER },
  { path: '/contracts/:id', view: ContractPage, roles: ['supplier', ...OFFICER] },
  { path: '/contracts/:id/edit', view: ContractForm, roles: OFFICER },
  { path: '/contracts/:id/award', view: Award, roles: OFFICER },
  { path: '/contracts/:id/bid', view: BidBuilder, roles: SUPPLIER },
  { path: '/contracts/:id/return', view: ReturnForm, roles: SUPPLIER },
  { path: '/officer/requests', view: OfficerRequests, roles: OFFICER },
  { path: '/admin/users', view: Users, roles: ['admin'] },
  { path: '/admin/measures', view: Measures, roles: OFFICER },
  { path: '/platform', view: Platform, roles: ['platform_admin'] },
  { path: '/platform/councils/new', view: NewCouncil, roles: ['platform_admin'] },
  { path: '/platform/councils/:slug', view: Council, roles: ['platform_admin'] },
  { path: '/platform/regions/new', view: NewRegion, roles: ['platform_admin'] },
];
